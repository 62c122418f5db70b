<#
.SYNOPSIS
    Benchmark 11: 10,000 concurrent NetProc clients in one session (-Quick: 1,000), without a thread each.
.DESCRIPTION
    A raw C# echo server (NetProcBench.RawScaleServer) runs in a child pwsh, so this process holds only the clients.
    In this process, each after a full collection:
      raw C#    N sockets connected, each with a zero-byte receive pending (how an idle socket waits in .NET):
                memory per socket, then all closed (the baseline)
      NetProc   N clients made with New-NetworkProcess, timed; memory per idle client; threads added; then every
                client sends a line and reads it back (Send-NetworkProcess, then Receive-NetworkProcess -Line per
                client, checked); then all removed, timed.
    The first StreamReceiver.MaxOwnThreads clients of a process read on threads of their own; the rest read with
    awaited reads on the thread pool, as a server's connections do.
    Target: <= 8 KiB per idle client (GC heap and working set), and no thread per client.
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [switch] $Quick,
    [string] $ResultPath
)
. (Join-Path $PSScriptRoot 'BenchCommon.ps1')
if (-not ('NetProcBench.RawScaleServer' -as [type])) { Add-Type -Path (Join-Path $PSScriptRoot 'BenchServerPeers.cs') }

$count = if ($Quick) { 1000 } else { 10000 }
$limitKiB = 8
$null = [NetProcBench.FileLimit]::Ensure([uint64]($count + 512))
$pwsh = @(Get-PwshCommand)
$peers = (Join-Path $PSScriptRoot 'BenchServerPeers.cs').Replace("'", "''")

$psi = [System.Diagnostics.ProcessStartInfo]::new($pwsh[0])
foreach ($a in @($pwsh | Select-Object -Skip 1)) { $psi.ArgumentList.Add($a) }
foreach ($a in '-NoProfile', '-NonInteractive', '-Command', "Add-Type -Path '$peers'; [NetProcBench.RawScaleServer]::Run([Console]::In, [Console]::Out, 4096, $($count + 200))") {
    $psi.ArgumentList.Add($a)
}
$psi.RedirectStandardOutput = $true
$psi.RedirectStandardInput = $true
$psi.UseShellExecute = $false
$server = [System.Diagnostics.Process]::Start($psi)
try {
    $first = $server.StandardOutput.ReadLine()
    if ($first -notmatch '^PORT (\d+)') { throw "server: $first" }
    $port = [int]$Matches[1]

    # Raw: sockets waiting with a zero-byte receive.
    $before = Get-Memory
    $raw = [System.Collections.Generic.List[object]]::new()
    $pending = [System.Collections.Generic.List[object]]::new()
    for ($i = 0; $i -lt $count; $i++) {
        $s = [System.Net.Sockets.Socket]::new('InterNetwork', 'Stream', 'Tcp')
        $s.Connect([System.Net.IPEndPoint]::new([ipaddress]::Loopback, $port))
        $raw.Add($s)
        $pending.Add($s.ReceiveAsync([System.Memory[byte]]::Empty, 'None').AsTask())
    }
    $after = Get-Memory
    $rawGc = ($after.Gc - $before.Gc) / $count / 1KB
    $rawWs = ($after.Ws - $before.Ws) / $count / 1KB
    foreach ($s in $raw) { $s.Dispose() }
    $raw.Clear(); $pending.Clear()
    Write-Host ("raw: {0} KiB GC heap, {1} KiB working set per socket" -f (Format-Num $rawGc), (Format-Num $rawWs))

    # NetProc clients.
    for ($i = 0; $i -lt 100; $i++) { Remove-NetworkProcess -InputObject (New-NetworkProcess -Name warm -Service $port) }
    $before = Get-Memory
    $clock = [Diagnostics.Stopwatch]::StartNew()
    $clients = for ($i = 0; $i -lt $count; $i++) { New-NetworkProcess -Name c -Service $port -NoQuery }
    $connectSeconds = $clock.Elapsed.TotalSeconds
    $null = Wait-NetworkProcess -Timeout 0.5
    $after = Get-Memory
    $gcKiB = ($after.Gc - $before.Gc) / $count / 1KB
    $wsKiB = ($after.Ws - $before.Ws) / $count / 1KB
    $threadsAdded = $after.Threads - $before.Threads
    Write-Host ("NetProc: {0} clients in {1} s; {2} KiB GC heap, {3} KiB working set per client; {4} threads added" -f
        $count, (Format-Num $connectSeconds 'N2'), (Format-Num $gcKiB), (Format-Num $wsKiB), $threadsAdded)

    $clock.Restart()
    foreach ($c in $clients) { Send-NetworkProcess -InputObject $c "line $($c.Id)`n" }
    $served = 0
    foreach ($c in $clients) {
        $line = Receive-NetworkProcess -InputObject $c -Wait -Line -Timeout 10
        if ($line -eq "line $($c.Id)") { $served++ }
    }
    $echoSeconds = $clock.Elapsed.TotalSeconds
    $clock.Restart()
    $clients | Remove-NetworkProcess
    $closeSeconds = $clock.Elapsed.TotalSeconds
    Write-Host ("every client's line back: {0} of {1} in {2} s; all removed in {3} s" -f $served, $count, (Format-Num $echoSeconds 'N2'), (Format-Num $closeSeconds 'N2'))

    $n = Format-Num $count 'N0'
    Add-BenchResult -Benchmark "11 $n idle clients in one session: GC heap per client (KiB)" -NetProc (Format-Num $gcKiB) `
        -Baseline "$(Format-Num $rawGc) raw socket + pending receive" -Ratio (Format-Num ($gcKiB / [math]::Max($rawGc, 0.01))) `
        -Target "<= $limitKiB" -Met ($gcKiB -le $limitKiB)
    Add-BenchResult -Benchmark "11 $n idle clients in one session: working set per client (KiB)" -NetProc (Format-Num $wsKiB) `
        -Baseline "$(Format-Num $rawWs) raw socket + pending receive" -Ratio (Format-Num ($wsKiB / [math]::Max($rawWs, 0.01))) `
        -Target "<= $limitKiB" -Met ($wsKiB -le $limitKiB)
    Add-BenchResult -Benchmark "11 $n clients: threads added" -NetProc "$threadsAdded" -Baseline "$n clients" `
        -Target '< 1 per client' -Met ($threadsAdded -lt $count / 10) -Note "connected in $(Format-Num $connectSeconds 'N2') s"
    Add-BenchResult -Benchmark "11 $n clients: each line echoed back (Send, then Receive -Line per client)" -NetProc "$served of $count" `
        -Baseline "$n raw sockets" -Target 'all' -Met ($served -eq $count) -Note "$(Format-Num $echoSeconds 'N2') s; all removed in $(Format-Num $closeSeconds 'N2') s"
}
finally {
    Get-NetworkProcess | Remove-NetworkProcess -Abort -ErrorAction SilentlyContinue
    $server.StandardInput.Close()
    if (-not $server.WaitForExit(10000)) { $server.Kill() }
}
Complete-Bench -ResultPath $ResultPath
