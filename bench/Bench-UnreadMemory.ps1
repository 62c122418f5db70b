<#
.SYNOPSIS
    Benchmark 3: peak memory while an unread peer tries to send 1 GiB (-Quick: shorter stall limits).
.DESCRIPTION
    A sender thread (C# PatternSender, non-blocking writes of a checkable byte pattern) writes to a connection this
    process never reads, until its writes have made no progress for 2 s (1 s with -Quick) or 10 s (4 s) have passed.
    Meanwhile the pipeline thread samples [GC]::GetTotalMemory($false) and the working set every 50 ms with
    Start-Sleep (which runs no NetProc callbacks). Then the sender stops and half-closes, and everything is read and
    checked byte by byte: the bytes read must equal the bytes the sender's kernel accepted.
      NetProc    a process with no filter, never read during the stall, then Receive-NetworkProcess -AsByteStream -Wait
      raw        a raw .NET Socket never read during the stall, then a C# Receive loop (the baseline)
    Target: NetProc's managed-heap growth stays under ReceiveWindow + 4 MiB.
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [switch] $Quick,
    [string] $ResultPath
)
. (Join-Path $PSScriptRoot 'BenchCommon.ps1')

$total = 1GB
$stallLimit = if ($Quick) { 1.0 } else { 2.0 }
$timeLimit = if ($Quick) { 4.0 } else { 10.0 }
$window = [NetProc.Engine.ProcessObject]::ReceiveWindow
$slack = 4MB

# A sample without a collection: the peak while the peer sends is what counts.
function Get-MemorySample {
    $me = [System.Diagnostics.Process]::GetCurrentProcess()
    try { @{ Gc = [GC]::GetTotalMemory($false); Ws = $me.WorkingSet64 } }
    finally { $me.Dispose() }
}

# Samples memory until the sender has stalled (or the time limit); returns before/peak/after and the sender's count.
function Watch-Stall($Sender) {
    $before = Get-MemorySample
    $peakGc = $before.Gc
    $peakWs = $before.Ws
    $sw = [System.Diagnostics.Stopwatch]::StartNew()
    while ($Sender.StalledSeconds -lt $stallLimit -and $sw.Elapsed.TotalSeconds -lt $timeLimit) {
        Start-Sleep -Milliseconds 50
        $m = Get-MemorySample
        if ($m.Gc -gt $peakGc) { $peakGc = $m.Gc }
        if ($m.Ws -gt $peakWs) { $peakWs = $m.Ws }
    }
    $after = Get-MemorySample
    @{
        Before   = $before
        After    = $after
        PeakGc   = $peakGc
        PeakWs   = $peakWs
        Seconds  = $sw.Elapsed.TotalSeconds
        Stalled  = $Sender.StalledSeconds -ge $stallLimit
        SentWhileStalled = $Sender.Sent
    }
}

function Reset-Heap {
    [GC]::Collect()
    [GC]::WaitForPendingFinalizers()
    [GC]::Collect()
}

function Measure-Raw {
    $sender = [NetProcBench.PatternSender]::new($total)
    try {
        $s = [System.Net.Sockets.Socket]::new('InterNetwork', 'Stream', 'Tcp')
        Reset-Heap
        $s.Connect([ipaddress]::Loopback, $sender.Port)
        $w = Watch-Stall $sender
        $sender.Stop()
        $read = [NetProcBench.RawReceiver]::ReceiveAll($s, 64KB, $true)
        $s.Dispose()
        $null = $sender.WaitFinished(10000)
        $w.Read = $read
        $w.Sent = $sender.Sent
        $w.Intact = $read -eq $sender.Sent
        $w.BufferedAtPeak = 0
        $w
    }
    finally { $sender.Dispose() }
}

function Measure-NetProc {
    $sender = [NetProcBench.PatternSender]::new($total)
    try {
        Reset-Heap
        $p = New-NetworkProcess -Name unread -Host 127.0.0.1 -Service $sender.Port -Encoding Byte
        $w = Watch-Stall $sender
        $w.BufferedAtPeak = $p.BufferedBytes
        $sender.Stop()
        $read = [long]0
        $intact = $true
        while ($true) {
            $r = Receive-NetworkProcess -InputObject $p -Wait -Timeout 1 -AsByteStream
            foreach ($c in @(if ($r -is [byte[]]) { , $r } elseif ($null -ne $r) { $r })) {
                if (-not [NetProcBench.Pattern]::Check($c, $c.Length, $read)) { $intact = $false }
                $read += $c.Length
            }
            if (-not $p.IsLive -and $p.BufferedBytes -eq 0) { break }
        }
        Remove-NetworkProcess -InputObject $p -ErrorAction SilentlyContinue
        $null = $sender.WaitFinished(10000)
        $w.Read = $read
        $w.Sent = $sender.Sent
        $w.Intact = $intact -and $read -eq $sender.Sent
        $w
    }
    finally { $sender.Dispose() }
}

# Warm up both paths (JIT, first socket use) with a short stall so the measured runs grow only by their buffers.
$saved = $stallLimit, $timeLimit
$stallLimit, $timeLimit = 0.3, 1.0
$null = Measure-Raw
$null = Measure-NetProc
$stallLimit, $timeLimit = $saved

$raw = Measure-Raw
$np = Measure-NetProc

function MiB([double] $b) { Format-Num ($b / 1MB) 'N1' }
Write-Host ''
Write-Host ("Unread peer: tries to send {0} MiB; stops after {1} s without progress or {2} s; ReceiveWindow {3} MiB" -f ($total / 1MB), $stallLimit, $timeLimit, (MiB $window))
Write-Host ('{0,-8} {1,9} {2,8} {3,12} {4,12} {5,12} {6,12} {7,14} {8,12} {9}' -f 'receiver', 'sent MiB', 'stall s', 'GC before', 'GC peak +', 'WS before', 'WS peak +', 'buffered MiB', 'read MiB', 'intact')
foreach ($x in @(@('raw', $raw), @('NetProc', $np))) {
    $k, $m = $x
    Write-Host ('{0,-8} {1,9} {2,8} {3,12} {4,12} {5,12} {6,12} {7,14} {8,12} {9}' -f $k, (MiB $m.SentWhileStalled), (Format-Num $m.Seconds 'N1'),
        (MiB $m.Before.Gc), (MiB ($m.PeakGc - $m.Before.Gc)), (MiB $m.Before.Ws), (MiB ($m.PeakWs - $m.Before.Ws)),
        (MiB $m.BufferedAtPeak), (MiB $m.Read), $m.Intact)
}

$limit = $window + $slack
$gcGrowth = $np.PeakGc - $np.Before.Gc
$wsGrowth = $np.PeakWs - $np.Before.Ws
Add-BenchResult '3 unread 1 GiB peer: managed heap growth (MiB)' (MiB $gcGrowth) "$(MiB ($raw.PeakGc - $raw.Before.Gc)) raw" '' `
    "<= $(MiB $limit)" ($gcGrowth -le $limit) "NetProc held $(MiB $np.BufferedAtPeak) MiB unread"
Add-BenchResult '3 unread 1 GiB peer: working set growth (MiB)' (MiB $wsGrowth) "$(MiB ($raw.PeakWs - $raw.Before.Ws)) raw" '' `
    "<= $(MiB $limit)" ($wsGrowth -le $limit)
Add-BenchResult '3 then read all: bytes read = bytes sent, pattern intact' "$($np.Intact) ($(MiB $np.Read) MiB)" "$($raw.Intact) ($(MiB $raw.Read) MiB) raw" '' `
    'every byte' ($np.Intact -and $raw.Intact)
Complete-Bench $ResultPath
if (-not ($np.Intact -and $raw.Intact)) { exit 2 }
