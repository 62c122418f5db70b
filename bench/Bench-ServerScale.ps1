<#
.SYNOPSIS
    Benchmark 6: 10,000 concurrent open connections to one NetProc server (-Quick: 1,000).
.DESCRIPTION
    The clients run in a child pwsh (C# NetProcBench.ScaleClients), so this process holds only the server's sockets.
    NetProc server: New-NetworkProcess -Server -Backlog 4096 with an echo filter
    ({ param($p, $d) Send-NetworkProcess $p $d }) and a -Log counting accepts; the pipeline thread loops
    Wait-NetworkProcess -Timeout 0.05 whenever it waits for the clients. After a warm-up of 200 clients:
      1. memory before (GC heap after a full collection, working set)
      2. the clients connect (2 threads) and stay open; timed until all N are listed (Get-NetworkProcess checks the count)
      3. memory after; (after - before) / N = memory per idle connection
      4. every client sends one line, the filter echoes it, every client reads its line back and compares (client count)
      5. the clients close; timed until every connection has left Get-NetworkProcess
    Baseline for context, in a second child pwsh of its own so its figures do not mix with these: a raw .NET async
    accept loop holding every socket, each waiting with a zero-byte receive and echoing (C# RawScaleServer), put
    through the same steps by the same client process.
    Target: <= 16 KiB per idle connection (GC heap and working set). The listen backlog of both servers is 4096 so a
    connect burst does not overflow it (dropped SYNs would add 1 s retransmits to the accept time).
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [switch] $Quick,
    [string] $ResultPath,
    [int] $Backlog = 4096,
    [int] $ConnectThreads = 2
)
. (Join-Path $PSScriptRoot 'BenchCommon.ps1')
if (-not ('NetProcBench.ScaleClients' -as [type])) { Add-Type -Path (Join-Path $PSScriptRoot 'BenchServerPeers.cs') }

$count = if ($Quick) { 1000 } else { 10000 }
$warmup = 200
$limitKiB = 16

$fileLimit = [NetProcBench.FileLimit]::Ensure([uint64]($count + 512))

# --- child processes -------------------------------------------------------------------------------------------------
$pwsh = @(Get-PwshCommand)
$peers = (Join-Path $PSScriptRoot 'BenchServerPeers.cs').Replace("'", "''")

function Start-Child([string] $Command) {
    $psi = [System.Diagnostics.ProcessStartInfo]::new($pwsh[0])
    foreach ($a in @($pwsh | Select-Object -Skip 1)) { $psi.ArgumentList.Add($a) }
    foreach ($a in '-NoProfile', '-NonInteractive', '-Command', "Add-Type -Path '$peers'; $Command") { $psi.ArgumentList.Add($a) }
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardInput = $true
    $psi.UseShellExecute = $false
    $p = [System.Diagnostics.Process]::Start($psi)
    $p.StandardInput.AutoFlush = $true
    $p
}

# Reads the child's next line; with -Deliver the pipeline thread keeps delivering NetProc callbacks meanwhile.
function Read-ChildLine($Child, [int] $TimeoutSeconds = 120, [switch] $Deliver) {
    $task = $Child.StandardOutput.ReadLineAsync()
    $sw = [System.Diagnostics.Stopwatch]::StartNew()
    while (-not $task.IsCompleted) {
        if ($sw.Elapsed.TotalSeconds -gt $TimeoutSeconds) { throw "a child said nothing for $TimeoutSeconds s" }
        if ($Deliver) { $null = Wait-NetworkProcess -Timeout 0.05 } else { $null = $task.Wait(50) }
    }
    $line = $task.Result
    if ($null -eq $line) { throw 'a child exited' }
    if ($line -like 'ERROR*') { throw "child: $line" }
    $line
}

function Get-ListenOverflows {
    try {
        $lines = Get-Content /proc/net/netstat -ErrorAction Stop
        $names = $lines[0] -split ' '; $values = $lines[1] -split ' '
        [long]$values[[array]::IndexOf($names, 'ListenOverflows')]
    }
    catch { -1 }
}

function Connect-Clients([int] $Port, [int] $N) {
    $clients.StandardInput.WriteLine("CONNECT $Port $N $ConnectThreads")
}

function Assert-Connected([string] $Line, [int] $N) {
    if ($Line -notmatch '^CONNECTED (\d+) (\d+) ([\d.]+)') { throw "clients: $Line" }
    if ([int]$Matches[1] -ne $N) { throw "clients: only $($Matches[1]) of $N connected ($Line)" }
    [double]::Parse($Matches[3], $script:Invariant)
}

function Read-Echo([string] $Line) {
    if ($Line -notmatch '^ECHOED (\d+) (\d+) ([\d.]+)') { throw "clients: $Line" }
    @{ Served = [int]$Matches[1]; Total = [int]$Matches[2]; Seconds = [double]::Parse($Matches[3], $script:Invariant) }
}

# --- NetProc ---------------------------------------------------------------------------------------------------------
function Measure-NetProc {
    $script:accepted = 0
    $script:target = 0
    $script:doneAt = 0L
    $srv = New-NetworkProcess -Name s -Server -Service 0 -Backlog $Backlog -Filter { param($p, $d) Send-NetworkProcess $p $d } `
        -Log { param($s, $c, $m) if (++$script:accepted -eq $script:target) { $script:doneAt = [System.Diagnostics.Stopwatch]::GetTimestamp() } }
    $port = $srv.Service
    try {
        # Warm-up: the same steps with a few clients, so JIT and first-use allocations stay out of the figures.
        $script:target = $warmup
        Connect-Clients $port $warmup
        $null = Assert-Connected (Read-ChildLine $clients -Deliver) $warmup
        while ($script:accepted -lt $warmup) { $null = Wait-NetworkProcess -Timeout 0.05 }
        $clients.StandardInput.WriteLine('ECHO')
        $w = Read-Echo (Read-ChildLine $clients -Deliver)
        if ($w.Served -ne $warmup) { throw "warm-up: $($w.Served) of $warmup served" }
        $clients.StandardInput.WriteLine('CLOSE')
        $null = Read-ChildLine $clients -Deliver
        $sw = [System.Diagnostics.Stopwatch]::StartNew()
        while (@(Get-NetworkProcess).Count -gt 1 -and $sw.Elapsed.TotalSeconds -lt 30) { $null = Wait-NetworkProcess -Timeout 0.05 }

        $before = Get-Memory
        $overflows0 = Get-ListenOverflows
        $script:accepted = 0
        $script:target = $count
        $t0 = [System.Diagnostics.Stopwatch]::GetTimestamp()
        Connect-Clients $port $count
        $connectSeconds = Assert-Connected (Read-ChildLine $clients -Deliver) $count
        $sw = [System.Diagnostics.Stopwatch]::StartNew()
        while ($script:accepted -lt $count -and $sw.Elapsed.TotalSeconds -lt 120) { $null = Wait-NetworkProcess -Timeout 0.05 }
        if ($script:accepted -lt $count) { throw "NetProc: only $($script:accepted) of $count connections listed" }
        $acceptSeconds = ($script:doneAt - $t0) / [System.Diagnostics.Stopwatch]::Frequency
        $listed = @(Get-NetworkProcess | Where-Object Kind -EQ 'Connection').Count
        $open = @(Get-NetworkProcess | Where-Object { $_.Kind -eq 'Connection' -and $_.IsLive }).Count
        $after = Get-Memory
        $overflows = (Get-ListenOverflows) - $overflows0

        $clients.StandardInput.WriteLine('ECHO')
        $echo = Read-Echo (Read-ChildLine $clients -Deliver)

        $clients.StandardInput.WriteLine('CLOSE')
        $sw = [System.Diagnostics.Stopwatch]::StartNew()
        $null = Read-ChildLine $clients -Deliver
        $left = @(Get-NetworkProcess).Count - 1
        while ($left -gt 0 -and $sw.Elapsed.TotalSeconds -lt 60) {
            $null = Wait-NetworkProcess -Timeout 0.05
            $left = @(Get-NetworkProcess).Count - 1
        }
        @{
            Before = $before; After = $after; AcceptSeconds = $acceptSeconds; ConnectSeconds = $connectSeconds
            Listed = $listed; Open = $open; Echo = $echo; Left = $left; CloseSeconds = $sw.Elapsed.TotalSeconds; Overflows = $overflows
        }
    }
    finally { Remove-NetworkProcess -InputObject $srv -ErrorAction SilentlyContinue }
}

# --- raw .NET, in its own process ------------------------------------------------------------------------------------
function Measure-Raw {
    $server = Start-Child "[NetProcBench.RawScaleServer]::Run([Console]::In, [Console]::Out, $Backlog, $count)"
    try {
        $first = Read-ChildLine $server
        if ($first -notmatch '^PORT (\d+)$') { throw "raw server: $first" }
        $port = [int]$Matches[1]
        function Read-Mem {
            $server.StandardInput.WriteLine('MEM')
            $line = Read-ChildLine $server
            if ($line -notmatch '^MEM (\d+) (\d+) (\d+)') { throw "raw server: $line" }
            @{ Gc = [long]$Matches[1]; Ws = [long]$Matches[2]; Held = [int]$Matches[3] }
        }

        Connect-Clients $port $warmup
        $null = Assert-Connected (Read-ChildLine $clients) $warmup
        $clients.StandardInput.WriteLine('ECHO')
        $null = Read-Echo (Read-ChildLine $clients)
        $clients.StandardInput.WriteLine('CLOSE')
        $null = Read-ChildLine $clients
        Start-Sleep -Milliseconds 500

        $before = Read-Mem
        $overflows0 = Get-ListenOverflows
        $sw = [System.Diagnostics.Stopwatch]::StartNew()
        Connect-Clients $port $count
        $server.StandardInput.WriteLine("WAITFOR $($count + $warmup)")
        $accepted = Read-ChildLine $server
        $acceptSeconds = $sw.Elapsed.TotalSeconds
        $connectSeconds = Assert-Connected (Read-ChildLine $clients) $count
        if ($accepted -ne "ACCEPTED $($count + $warmup)") { throw "raw server: $accepted" }
        $after = Read-Mem
        $overflows = (Get-ListenOverflows) - $overflows0

        $clients.StandardInput.WriteLine('ECHO')
        $echo = Read-Echo (Read-ChildLine $clients)
        $clients.StandardInput.WriteLine('CLOSE')
        $null = Read-ChildLine $clients
        $server.StandardInput.WriteLine('EXIT')
        @{ Before = $before; After = $after; AcceptSeconds = $acceptSeconds; ConnectSeconds = $connectSeconds; Echo = $echo; Overflows = $overflows }
    }
    finally {
        if (-not $server.WaitForExit(10000)) { $server.Kill() }
    }
}

$clients = Start-Child '[NetProcBench.ScaleClients]::Run([Console]::In, [Console]::Out)'
try {
    $ready = Read-ChildLine $clients
    $np = Measure-NetProc
    $raw = Measure-Raw
}
finally {
    try { $clients.StandardInput.WriteLine('EXIT') } catch { }
    if (-not $clients.WaitForExit(10000)) { $clients.Kill() }
}

function KiB([double] $Bytes) { Format-Num ($Bytes / 1KB) 'N1' }
$npGc = ($np.After.Gc - $np.Before.Gc) / $count
$npWs = ($np.After.Ws - $np.Before.Ws) / $count
$rawGc = ($raw.After.Gc - $raw.Before.Gc) / $count
$rawWs = ($raw.After.Ws - $raw.Before.Ws) / $count
$allServed = $np.Echo.Served -eq $count -and $np.Echo.Total -eq $count

Write-Host ''
Write-Host ("Server scale: {0:N0} concurrent connections from a child process ({1} connecting threads), listen backlog {2}" -f $count, $ConnectThreads, $Backlog)
Write-Host ("Open files: this process {0} ({1}); clients: {2}" -f [NetProcBench.FileLimit]::Describe(), $fileLimit, $ready)
Write-Host ('{0,-10} {1,11} {2,11} {3,12} {4,12} {5,12} {6,12} {7,10} {8,10}' -f 'server', 'accept s', 'connect s', 'GC KiB/conn',
    'WS KiB/conn', 'echo s', 'served', 'close s', 'overflows')
Write-Host ('{0,-10} {1,11} {2,11} {3,12} {4,12} {5,12} {6,12} {7,10} {8,10}' -f 'NetProc', (Format-Num $np.AcceptSeconds 'N3'),
    (Format-Num $np.ConnectSeconds 'N3'), (KiB $npGc), (KiB $npWs), (Format-Num $np.Echo.Seconds 'N3'), "$($np.Echo.Served)/$($np.Echo.Total)",
    (Format-Num $np.CloseSeconds 'N2'), $np.Overflows)
Write-Host ('{0,-10} {1,11} {2,11} {3,12} {4,12} {5,12} {6,12} {7,10} {8,10}' -f 'raw C#', (Format-Num $raw.AcceptSeconds 'N3'),
    (Format-Num $raw.ConnectSeconds 'N3'), (KiB $rawGc), (KiB $rawWs), (Format-Num $raw.Echo.Seconds 'N3'), "$($raw.Echo.Served)/$($raw.Echo.Total)",
    '-', $raw.Overflows)
Write-Host ("NetProc: {0} connections listed, {1} open when measured; {2} still listed after the clients closed. Memory before/after:" -f `
    $np.Listed, $np.Open, $np.Left)
Write-Host ("  NetProc GC heap {0} -> {1} MiB, working set {2} -> {3} MiB; raw GC heap {4} -> {5} MiB, working set {6} -> {7} MiB" -f `
    (Format-Num ($np.Before.Gc / 1MB)), (Format-Num ($np.After.Gc / 1MB)), (Format-Num ($np.Before.Ws / 1MB)), (Format-Num ($np.After.Ws / 1MB)),
    (Format-Num ($raw.Before.Gc / 1MB)), (Format-Num ($raw.After.Gc / 1MB)), (Format-Num ($raw.Before.Ws / 1MB)), (Format-Num ($raw.After.Ws / 1MB)))
Write-Host "  ('accept s': from the connect command to the last connection listed (raw: accepted); 'connect s': the clients' own"
Write-Host "   time to connect; 'overflows': the kernel's ListenOverflows counter during the connects, namespace-wide)"

$label = '{0:N0}' -f $count
Add-BenchResult "6 $label idle connections: GC heap per connection (KiB)" (KiB $npGc) "$(KiB $rawGc) raw C# (own process)" `
    $(if ($rawGc -gt 0) { Format-Num ($npGc / $rawGc) 'N1' } else { '' }) "<= $limitKiB" ($npGc -le $limitKiB * 1KB)
Add-BenchResult "6 $label idle connections: working set per connection (KiB)" (KiB $npWs) "$(KiB $rawWs) raw C# (own process)" `
    $(if ($rawWs -gt 0) { Format-Num ($npWs / $rawWs) 'N1' } else { '' }) "<= $limitKiB" ($npWs -le $limitKiB * 1KB)
Add-BenchResult "6 $label connections: time to accept and list all (s)" (Format-Num $np.AcceptSeconds 'N2') `
    "$(Format-Num $raw.AcceptSeconds 'N2') raw C#" (Format-Num ($np.AcceptSeconds / $raw.AcceptSeconds) 'N2') '' $null `
    "$(Format-Num ($count / $np.AcceptSeconds) 'N0') conn/s"
Add-BenchResult "6 $label clients: one line each echoed by a filter (s)" (Format-Num $np.Echo.Seconds 'N2') `
    "$(Format-Num $raw.Echo.Seconds 'N2') raw C#" (Format-Num ($np.Echo.Seconds / $raw.Echo.Seconds) 'N2') '' $null
Add-BenchResult "6 $label clients: all served their line back" "$(if ($allServed) { 'yes' } else { 'NO' }) ($($np.Echo.Served))" `
    "$(if ($raw.Echo.Served -eq $count) { 'yes' } else { 'NO' }) ($($raw.Echo.Served)) raw C#" '' 'all' $allServed
Add-BenchResult "6 $label clients closed: connections left listed" "$($np.Left)" '0' '' '0' ($np.Left -eq 0) `
    "all gone in $(Format-Num $np.CloseSeconds 'N2') s"
Complete-Bench $ResultPath
if (-not $allServed -or $raw.Echo.Served -ne $count) { exit 2 }
