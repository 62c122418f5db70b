<#
.SYNOPSIS
    Benchmark 1: bulk receive of 1 GiB (-Quick: 128 MiB) over loopback.
.DESCRIPTION
    The sender is a separate pwsh process (C# BulkSender), so this process's CPU time is the receiver's alone.
    Variants, each after warm-up transfers of 64 MiB until the JIT has settled (Invoke-WarmUp: 2 to 30 s):
      raw C#              a plain synchronous Socket.Receive loop in C# (64 KiB buffer): the baseline
      raw C# async        the same with awaited ReceiveAsync, as scalable .NET servers (and NetProc's server connections) read (context)
      raw PS              the synchronous loop written in PowerShell over a raw Socket (context)
      NetProc (a)         Receive-NetworkProcess -AsByteStream -Wait in a loop, summing .Length
      NetProc (a) -Stream Receive-NetworkProcess -Stream -AsByteStream | ForEach-Object, one call to the end
      NetProc (b)         a byte filter counting bytes, driven by Wait-NetworkProcess in a loop
    Five runs per variant in rotating order (loopback on a small VM is noisy). MB/s (10^6 bytes/s) and receiver CPU
    seconds per GiB are those of each variant's median run. A ratio to raw C# is paired: each round's run divided by
    raw C#'s run of the same round (seconds apart), then the median over the rounds, so that the host's slow spells
    weigh on both sides alike. Target: (a) >= 80% of raw C#.
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [switch] $Quick,
    [string] $ResultPath,
    # Measured runs per variant (the order rotates each run); the median is reported, every run is printed.
    [int] $Runs = 5
)
. (Join-Path $PSScriptRoot 'BenchCommon.ps1')

$size = if ($Quick) { 128MB } else { 1GB }
# Warm-up: rounds of 64 MiB transfers of every variant until the JIT has finished tiering the hot paths (it compiles
# the optimized code in the background, after a delay) before anything is measured.
$warmup = 64MB

# --- the sender process ------------------------------------------------------------------------------------------
$sender = Start-BenchSender (Join-Path $PSScriptRoot 'BenchPeers.cs') '[NetProcBench.BulkSender]::Serve([Console]::Out)'

# One transfer: $Receive gets the port and returns the byte count; timing and CPU cover only the receiving.
function Measure-Transfer([string] $Variant, [long] $Bytes) {
    [GC]::Collect()
    [GC]::WaitForPendingFinalizers()
    $r = & $script:Variants[$Variant] $Bytes
    $sent = Read-SenderLine $sender
    if ($sent -notmatch '^SENT (\d+) CPU ([\d.]+)') { throw "sender: $sent" }
    if ([long]$Matches[1] -ne $Bytes -or $r.Bytes -ne $Bytes) {
        throw "$Variant : sender sent $($Matches[1]) bytes, receiver read $($r.Bytes), expected $Bytes"
    }
    $r.SenderCpu = [double]::Parse($Matches[2], $script:Invariant)
    $r
}

# Times $Receive (given $Source), which returns the byte count or @{ Bytes; Calls }, and the CPU this process spent.
function Measure-Receiving([scriptblock] $Receive, $Source) {
    $cpu0 = [NetProcBench.Cpu]::Seconds()
    $sw = [System.Diagnostics.Stopwatch]::StartNew()
    $got = & $Receive $Source
    $sw.Stop()
    $cpu = [NetProcBench.Cpu]::Seconds() - $cpu0
    if ($got -isnot [hashtable]) { $got = @{ Bytes = [long]$got; Calls = 0 } }
    @{ Bytes = $got.Bytes; Seconds = $sw.Elapsed.TotalSeconds; Cpu = $cpu; Calls = $got.Calls; SenderCpu = 0 }
}

# A raw socket that asks the sender for $Bytes, then is read by $Receive (given the socket).
function Measure-Raw([long] $Bytes, [scriptblock] $Receive) {
    $s = [NetProcBench.RawReceiver]::Connect($script:Port, $Bytes)
    try { Measure-Receiving $Receive $s } finally { $s.Dispose() }
}

# A NetProc client (with $Options for New-NetworkProcess) that asks the sender for $Bytes, then is read by $Receive.
function Measure-NetProc([long] $Bytes, [hashtable] $Options, [scriptblock] $Receive) {
    $p = New-NetworkProcess -Name bulk -Host 127.0.0.1 -Service $script:Port -Encoding Byte @Options
    Send-NetworkProcess -InputObject $p -Data ([BitConverter]::GetBytes([long]$Bytes))
    try { Measure-Receiving $Receive $p } finally { Remove-NetworkProcess -InputObject $p -ErrorAction SilentlyContinue }
}

$script:Variants = @{
    'raw C#' = {
        param([long] $Bytes)
        Measure-Raw $Bytes { param($s) [NetProcBench.RawReceiver]::ReceiveAll($s, 64KB) }
    }
    'raw C# async' = {
        param([long] $Bytes)
        Measure-Raw $Bytes { param($s) [NetProcBench.RawReceiver]::ReceiveAllAsync($s, 64KB) }
    }
    'raw PS' = {
        param([long] $Bytes)
        Measure-Raw $Bytes {
            param($s)
            $buf = [byte[]]::new(64KB)
            $total = [long]0
            while (($n = $s.Receive($buf)) -gt 0) { $total += $n }
            $total
        }
    }
    'NetProc (a)' = {
        param([long] $Bytes)
        Measure-NetProc $Bytes @{} {
            param($p)
            $total = [long]0
            $calls = 0
            while ($true) {
                $r = Receive-NetworkProcess -InputObject $p -Wait -Timeout 1 -AsByteStream
                $calls++
                if ($r -is [byte[]]) { $total += $r.Length }
                elseif ($null -ne $r) { foreach ($c in $r) { $total += $c.Length } }
                if (-not $p.IsLive -and $p.BufferedBytes -eq 0) { break }
            }
            @{ Bytes = $total; Calls = $calls }
        }
    }
    'NetProc (a) -Stream' = {
        param([long] $Bytes)
        Measure-NetProc $Bytes @{} {
            param($p)
            $script:streamed = [long]0
            Receive-NetworkProcess -InputObject $p -Stream -AsByteStream | ForEach-Object { $script:streamed += $_.Length }
            @{ Bytes = $script:streamed; Calls = 1 }
        }
    }
    'NetProc (b)' = {
        param([long] $Bytes)
        $script:filtered = [long]0
        Measure-NetProc $Bytes @{ Filter = { param($Process, $Data) $script:filtered += $Data.Length } } {
            param($p)
            $calls = 0
            while ($p.IsLive) {
                $null = Wait-NetworkProcess -InputObject $p -Timeout 1
                $calls++
            }
            @{ Bytes = $script:filtered; Calls = $calls }
        }
    }
}

try {
    $first = Read-SenderLine $sender
    if ($first -notmatch '^PORT (\d+)$') { throw "sender: $first" }
    $script:Port = [int]$Matches[1]

    $order = 'raw C#', 'NetProc (a)', 'NetProc (b)', 'raw PS', 'raw C# async', 'NetProc (a) -Stream'
    $warm = Invoke-WarmUp { foreach ($v in $order) { $null = Measure-Transfer $v $warmup } }

    $best = @{}
    $all = @{}
    foreach ($run in 1..$Runs) {
        $k = ($run - 1) % $order.Count
        foreach ($v in @($order[$k..($order.Count - 1)]) + @(if ($k) { $order[0..($k - 1)] })) {
            $r = Measure-Transfer $v $size
            $r.MBps = $r.Bytes / $r.Seconds / 1e6
            $r.CpuPerGiB = $r.Cpu / ($r.Bytes / 1GB)
            if (-not $all.ContainsKey($v)) { $all[$v] = @() }
            $all[$v] += , $r
        }
    }
    # The median run by MB/s (CPU figures come from that same run).
    foreach ($v in $order) { $best[$v] = @($all[$v] | Sort-Object { $_.MBps })[[math]::Floor(($all[$v].Count - 1) / 2)] }
}
finally {
    try {
        # A zero length ends the sender's loop.
        $bye = [NetProcBench.RawReceiver]::Connect($script:Port, 0)
        $bye.Dispose()
    }
    catch { }
    if (-not $sender.WaitForExit(10000)) { $sender.Kill() }
}

Write-Host ''
Write-Host ("Bulk receive of {0} MiB over loopback; sender in a separate process; median of {1} run(s), order rotated each run; warm-up {2} s, JIT {3}" -f ($size / 1MB), $Runs,
    (Format-Num $warm.Seconds 'N1'), $(if ($warm.Settled) { 'settled' } else { 'NOT settled' }))
Write-Host ('{0,-20} {1,10} {2,9} {3,13} {4,13} {5,8}   {6}' -f 'variant', 'MB/s', 'paired', 'recv CPU s/GiB', 'sender CPU s', 'calls', 'every run, MB/s')
$raw = $best['raw C#']

# The median over rounds of this variant's rate divided by raw C#'s rate in the same round.
function Get-PairedRatio([string] $Variant) {
    $ratios = @(@(for ($i = 0; $i -lt $all[$Variant].Count; $i++) { $all[$Variant][$i].MBps / $all['raw C#'][$i].MBps }) | Sort-Object)
    $ratios[[math]::Floor(($ratios.Count - 1) / 2)]
}

foreach ($v in $order) {
    $r = $best[$v]
    $runsText = ($all[$v] | ForEach-Object { Format-Num $_.MBps 'N0' }) -join ', '
    Write-Host ('{0,-20} {1,10} {2,9} {3,13} {4,13} {5,8}   {6}' -f $v, (Format-Num $r.MBps 'N0'), (Format-Num (Get-PairedRatio $v) 'P0'),
        (Format-Num $r.CpuPerGiB 'N3'), (Format-Num $r.SenderCpu 'N3'), $r.Calls, $runsText)
}

$a = $best['NetProc (a)']
$b = $best['NetProc (b)']
$ps = $best['raw PS']
$async = $best['raw C# async']
$stream = $best['NetProc (a) -Stream']
$label = if ($Quick) { '128 MiB' } else { '1 GiB' }
$aRatio = Get-PairedRatio 'NetProc (a)'
$streamRatio = Get-PairedRatio 'NetProc (a) -Stream'
Add-BenchResult "1a bulk $label, Receive -AsByteStream loop (MB/s)" (Format-Num $a.MBps 'N0') "$(Format-Num $raw.MBps 'N0') raw C#" `
    (Format-Num $aRatio 'N2') '>= 0.80' ($aRatio -ge 0.80)
Add-BenchResult "1a vs raw socket in a PowerShell loop (MB/s)" (Format-Num $a.MBps 'N0') "$(Format-Num $ps.MBps 'N0') raw PS" `
    (Format-Num ($a.MBps / $ps.MBps) 'N2')
Add-BenchResult "1a' bulk $label, Receive -Stream -AsByteStream | ForEach-Object (MB/s)" (Format-Num $stream.MBps 'N0') "$(Format-Num $raw.MBps 'N0') raw C#" `
    (Format-Num $streamRatio 'N2') '>= 0.80' ($streamRatio -ge 0.80)
Add-BenchResult "1a vs raw C# awaiting ReceiveAsync (MB/s)" (Format-Num $a.MBps 'N0') "$(Format-Num $async.MBps 'N0') raw C# async" `
    (Format-Num ($a.MBps / $async.MBps) 'N2')
Add-BenchResult "1b bulk $label, byte filter + Wait loop (MB/s)" (Format-Num $b.MBps 'N0') "$(Format-Num $raw.MBps 'N0') raw C#" `
    (Format-Num (Get-PairedRatio 'NetProc (b)') 'N2')
Add-BenchResult '1a receiver CPU (s/GiB)' (Format-Num $a.CpuPerGiB 'N3') "$(Format-Num $raw.CpuPerGiB 'N3') raw C#" `
    (Format-Num ($a.CpuPerGiB / $raw.CpuPerGiB) 'N2')
Add-BenchResult '1b receiver CPU (s/GiB)' (Format-Num $b.CpuPerGiB 'N3') "$(Format-Num $raw.CpuPerGiB 'N3') raw C#" `
    (Format-Num ($b.CpuPerGiB / $raw.CpuPerGiB) 'N2')
Complete-Bench $ResultPath
