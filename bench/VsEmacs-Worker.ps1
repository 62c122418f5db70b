<#
.SYNOPSIS
    A child pwsh of bench/Bench-VsEmacs.ps1: an echo or greet server, or an echo client, as its parent asks.
.DESCRIPTION
    Started (often under taskset) so that each end of a measurement is a process of its own. Speaks to its parent on
    stdin/stdout, one line each:
      (start)                           -> READY pid
      ECHOSERVER Raw|NetProc            -> PORT p    Raw: C# EchoServer (a thread per connection). NetProc: a server
                                                     whose filter sends back what it gets, driven by this script's
                                                     Wait-NetworkProcess -InputObject <the servers> -Timeout 0.05 loop
      GREETSERVER Raw|NetProc           -> PORT p    each client gets "hi\n", then its connection is closed (NetProc:
                                                     New-NetworkProcess -Server -Log that sends and removes)
      CLIENT NetProc|RawPS|RawPSCmdlets|RawCs PORT COUNT WARMUP
                                        -> SECONDS s   WARMUP echo round trips of 32 bytes on a new connection, then
                                                     COUNT timed ones. RawPSCmdlets: the RawPS loop with two calls of
                                                     an empty cmdlet per trip, the floor of any two-cmdlet client
      EXIT, or the end of stdin: the script ends.
    A NetProc server serves between commands; filter errors are counted and the first one is reported with EXIT's
    answer (BYE errors [first]).
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    # The bench's C# peers compiled once by the parent (Add-Type -OutputAssembly): loading is instant, compiling is not.
    [Parameter(Mandatory)] [string] $PeersAssembly
)
Add-Type -Path $PeersAssembly
Import-Module -Assembly ([NetProcBench.InvokeBenchNothingCommand].Assembly)
. (Join-Path $PSScriptRoot 'BenchCommon.ps1')

$servers = [System.Collections.Generic.List[object]]::new()
$filterWarnings = [System.Collections.Generic.List[object]]::new()
$netProcServing = $false
# The servers the serving loop waits on: a wait on a server runs its connections' filters and returns only at its
# timeout, where a wait for any output would return, and be called again, after every message.
$netProcServers = [System.Collections.Generic.List[object]]::new()

function Start-Server([string] $Kind, [string] $Flavor) {
    switch ("$Kind $Flavor") {
        'ECHOSERVER Raw' { $s = [NetProcBench.EchoServer]::new(); $servers.Add($s); return $s.Port }
        'GREETSERVER Raw' { $s = [NetProcBench.RawGreetServer]::new(16); $servers.Add($s); return $s.Port }
        'ECHOSERVER NetProc' {
            $s = New-NetworkProcess -Name echo -Server -Service 0 -Encoding Byte -Filter { param($p, $d) Send-NetworkProcess -InputObject $p -Data $d }
        }
        'GREETSERVER NetProc' {
            $s = New-NetworkProcess -Name greet -Server -Service 0 -Log {
                param($server, $connection, $message)
                Send-NetworkProcess -InputObject $connection -Data "hi`n"
                Remove-NetworkProcess -InputObject $connection
            }
        }
        default { throw "unknown server: $Kind $Flavor" }
    }
    $script:netProcServing = $true
    $netProcServers.Add($s)
    $s.Service
}

$stdin = [IO.StreamReader]::new([Console]::OpenStandardInput())
$out = [Console]::Out
$out.WriteLine("READY $PID")
$out.Flush()
$command = $stdin.ReadLineAsync()
while ($true) {
    if ($netProcServing) {
        $null = Wait-NetworkProcess -InputObject $netProcServers -Timeout 0.05 -WarningVariable +filterWarnings -WarningAction SilentlyContinue
        if (-not $command.IsCompleted) { continue }
    }
    $line = $command.Result
    if ($null -eq $line) { break }
    $words = $line -split ' '
    try {
        $answer = switch ($words[0]) {
            { $_ -in 'ECHOSERVER', 'GREETSERVER' } { "PORT $(Start-Server $words[0] $words[1])" }
            'CLIENT' {
                $port, $count, $warmup = [int]$words[2], [int]$words[3], [int]$words[4]
                $seconds = switch ($words[1]) {
                    'NetProc' { Measure-NetProcEcho $port $count $warmup }
                    'RawPS' { Measure-RawPsEcho $port $count $warmup }
                    'RawPSCmdlets' { Measure-RawPsEcho $port $count $warmup -WithCmdlets }
                    'RawCs' { Measure-RawCsEcho $port $count $warmup }
                    default { throw "unknown client: $($words[1])" }
                }
                'SECONDS {0}' -f $seconds.ToString('R', $Invariant)
            }
            'EXIT' {
                "BYE $($filterWarnings.Count) $(if ($filterWarnings.Count) { $filterWarnings[0] })"
            }
            default { "ERROR unknown command $line" }
        }
    }
    catch { $answer = "ERROR $($_.Exception.Message)" }
    $out.WriteLine($answer)
    $out.Flush()
    if ($words[0] -eq 'EXIT') { break }
    $command = $stdin.ReadLineAsync()
}
Get-NetworkProcess | Remove-NetworkProcess
foreach ($s in $servers) { $s.Dispose() }
