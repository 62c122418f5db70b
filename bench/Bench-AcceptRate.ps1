<#
.SYNOPSIS
    Benchmark 5: accept rate, 5,000 clients that connect and close at once (-Quick: 1,000).
.DESCRIPTION
    Clients: 4 C# threads in this process (NetProcBench.ConnectStorm), each connecting to 127.0.0.1 and closing straight
    away (an orderly close). A connect returns once the kernel has queued the connection, before any accept, so the
    clients are held to at most 16 connects the server has not accepted yet (a credit per accept, given back by the
    server's accept counter); unheld, they would overflow the listen backlog, and an overflow costs the client a
    dropped SYN and a 1 s retransmit, which then dominates the figure. Servers, each after 3 s of warm-up rounds:
      NetProc    New-NetworkProcess -Server -Backlog 128 with a -Log counting accepts; the pipeline thread loops
                 Wait-NetworkProcess -Timeout 0.05 until every accept was delivered (listed), then until every
                 closed connection has left Get-NetworkProcess (reported: how many are left)
      raw C#     a thread in a blocking Socket.Accept loop, closing each socket at once (listen backlog 128): the baseline
    Timed from the first connect to the accept that completes the count (for NetProc, its Log call). Seven
    interleaved rounds of each; the median rate of each is reported, and the ratio is paired: each round's NetProc
    rate over raw C#'s rate of the same round, the median over the rounds (the host's slow spells weigh on both).
    Not measured here: NetProc's default backlog (5) with clients not held back; those runs are dominated by dropped
    SYNs and their 1 s retransmits (seconds for a few hundred clients) and vary too much to compare.
    Target: NetProc >= 50% of raw .NET's accepts/s.
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [switch] $Quick,
    [string] $ResultPath,
    # Connects under way that the server has not accepted yet (queued in the kernel or being made), at most.
    [int] $InFlight = 16,
    # Client threads.
    [int] $Threads = 4,
    # listen() backlog of both servers in the main comparison.
    [int] $Backlog = 128
)
. (Join-Path $PSScriptRoot 'BenchCommon.ps1')
if (-not ('NetProcBench.ConnectStorm' -as [type])) { Add-Type -Path (Join-Path $PSScriptRoot 'BenchServerPeers.cs') }

$count = if ($Quick) { 1000 } else { 5000 }
# Warm-up: rounds of $count clients each, for both servers, for at least this long. The JIT needs about 100,000 accepts
# (three seconds here) to finish tiering the accept path, PowerShell's own code included, while both cores are busy;
# with tiered compilation off, NetProc runs at its full rate from the second round.
$warmupSeconds = if ($Quick) { 1 } else { 3 }
$freq = [System.Diagnostics.Stopwatch]::Frequency

function Measure-Raw([int] $Count, [int] $Backlog, [int] $InFlight) {
    $srv = [NetProcBench.RawAcceptServer]::new($Backlog)
    $counter = [NetProcBench.AcceptCounter]::new($Count, $InFlight)
    try {
        $srv.Start($Count, $counter)
        $storm = [NetProcBench.ConnectStorm]::Start($srv.Port, $Count, $Threads, $counter)
        if (-not $storm.Wait(120000)) { throw 'raw: the clients did not finish in 120 s' }
        if (-not $srv.Wait(30000)) { throw "raw: only $($srv.Accepted) of $Count accepted" }
        if ($srv.Error) { throw "raw server: $($srv.Error)" }
        @{ Accepted = $counter.Count; Seconds = ($counter.DoneTimestamp - $storm.StartTimestamp) / $freq; Errors = $storm.Errors
            FirstError = $storm.FirstError; Left = 0; CleanSeconds = 0 }
    }
    finally { $srv.Dispose() }
}

function Measure-NetProc([int] $Count, [int] $Backlog, [int] $InFlight) {
    $counter = [NetProcBench.AcceptCounter]::new($Count, $InFlight)
    # The log counts accepts (and returns the client a credit); a connection is listed just before its log call.
    $log = { param($s, $c, $m) $null = $counter.Add() }.GetNewClosure()
    $srv = New-NetworkProcess -Name acc -Server -Service 0 -Backlog $Backlog -Log $log
    try {
        $storm = [NetProcBench.ConnectStorm]::Start($srv.Service, $Count, $Threads, $counter)
        $limit = [System.Diagnostics.Stopwatch]::StartNew()
        while ($counter.Count -lt $Count -and $limit.Elapsed.TotalSeconds -lt 120) {
            $null = Wait-NetworkProcess -Timeout 0.05
        }
        $null = $storm.Wait(10000)
        if ($counter.Count -lt $Count) { throw "NetProc: only $($counter.Count) of $Count accepts delivered in 120 s" }
        $seconds = ($counter.DoneTimestamp - $storm.StartTimestamp) / $freq
        # Every client has closed: its connection must leave the list once its close is delivered.
        $clean = [System.Diagnostics.Stopwatch]::StartNew()
        $left = @(Get-NetworkProcess).Count - 1
        while ($left -gt 0 -and $clean.Elapsed.TotalSeconds -lt 10) {
            $null = Wait-NetworkProcess -Timeout 0.05
            $left = @(Get-NetworkProcess).Count - 1
        }
        @{ Accepted = $counter.Count; Seconds = $seconds; Errors = $storm.Errors; FirstError = $storm.FirstError; Left = $left
            CleanSeconds = $clean.Elapsed.TotalSeconds }
    }
    finally { Remove-NetworkProcess -InputObject $srv }
}

$warming = [System.Diagnostics.Stopwatch]::StartNew()
while ($warming.Elapsed.TotalSeconds -lt $warmupSeconds) {
    $null = Measure-Raw $count $Backlog $InFlight
    $null = Measure-NetProc $count $Backlog $InFlight
}
# Interleaved rounds; the median run (by rate) of each is reported, every rate is printed (this VM is noisy).
$rounds = 7
$runs = @{ 'raw C#' = @(); 'NetProc' = @() }
foreach ($round in 1..$rounds) {
    $runs['raw C#'] += Measure-Raw $count $Backlog $InFlight
    $runs['NetProc'] += Measure-NetProc $count $Backlog $InFlight
}
$r = [ordered]@{}
foreach ($k in 'raw C#', 'NetProc') { $r[$k] = @($runs[$k] | Sort-Object { $_.Accepted / $_.Seconds })[[math]::Floor(($rounds - 1) / 2)] }
$pairedRatios = @(@(for ($i = 0; $i -lt $rounds; $i++) {
        ($runs['NetProc'][$i].Accepted / $runs['NetProc'][$i].Seconds) / ($runs['raw C#'][$i].Accepted / $runs['raw C#'][$i].Seconds)
    }) | Sort-Object)
$everyRun = @{}
foreach ($k in $r.Keys) { $everyRun[$k] = ($runs[$k] | ForEach-Object { Format-Num ($_.Accepted / $_.Seconds) 'N0' }) -join ', ' }

Write-Host ''
Write-Host ("Accept rate: clients connect to 127.0.0.1 and close at once; {0} C# client threads in this process; at most {1} connects" -f $Threads, $InFlight)
Write-Host ("not yet accepted; listen backlog {0} on both servers" -f $Backlog)
Write-Host ('{0,-20} {1,8} {2,10} {3,12} {4,13} {5,14} {6,12}   {7}' -f 'server', 'clients', 'seconds', 'accepts/s', 'client errs', 'left listed', 'drain s', 'every run, accepts/s')
foreach ($k in $r.Keys) {
    $x = $r[$k]
    Write-Host ('{0,-20} {1,8} {2,10} {3,12} {4,13} {5,14} {6,12}   {7}' -f $k, $x.Accepted, (Format-Num $x.Seconds 'N3'),
        (Format-Num ($x.Accepted / $x.Seconds) 'N0'), $x.Errors, $x.Left, (Format-Num $x.CleanSeconds 'N2'), $everyRun[$k])
}
Write-Host "('left listed': connections still in Get-NetworkProcess after every client closed and the drain loop ran;"
Write-Host " 'drain s': how long that took. Open-file limit: $([NetProcBench.FileLimit]::Describe()), not changed.)"
foreach ($k in $r.Keys) { if ($r[$k].FirstError) { Write-Host "$k, first client error: $($r[$k].FirstError)" } }

$np = $r['NetProc']; $raw = $r['raw C#']
$npRate = $np.Accepted / $np.Seconds
$rawRate = $raw.Accepted / $raw.Seconds
$ratio = $pairedRatios[[math]::Floor(($rounds - 1) / 2)]
Write-Host ("NetProc / raw C# per round, sorted: {0}; median {1}" -f (($pairedRatios | ForEach-Object { Format-Num $_ 'N2' }) -join ', '), (Format-Num $ratio 'N2'))
$label = '{0:N0}' -f $count
Add-BenchResult "5 accept+close $label clients, backlog $Backlog (accepts/s)" (Format-Num $npRate 'N0') "$(Format-Num $rawRate 'N0') raw C#" `
    (Format-Num $ratio 'N2') '>= 0.50' ($ratio -ge 0.50) "<= $InFlight connects not yet accepted, $Threads client threads"
Add-BenchResult "5 closed connections left listed after drain" "$($np.Left)" '0' '' '0' ($np.Left -eq 0) "drained in $(Format-Num $np.CleanSeconds 'N2') s"
Complete-Bench $ResultPath
if (@($runs['NetProc'] + $runs['raw C#'] | Where-Object Errors).Count) { exit 2 }
