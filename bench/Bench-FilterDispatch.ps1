<#
.SYNOPSIS
    Benchmark 4: filter dispatch cost per chunk (target: <= 1.5 us of overhead per chunk).
.DESCRIPTION
    A writer thread (C# SmallWriter) sends 7,000 8-byte writes (-Quick: 4,000), paced so the reader gets most of
    them as separate reads; TCP merges the rest, so the number of chunks is what the filter calls count. While it
    writes, the pipeline thread is blocked in one .NET call, so nothing is delivered and the chunks queue in the
    process's inbox. They must all fit the 1 MiB receive window, which charges each held chunk its bytes plus 128
    bytes of bookkeeping: 7,000 chunks hold about 0.95 MiB. When every byte is read the process is suspended (its
    inbox held), then the timed part: Resume-NetworkProcess and one Wait-NetworkProcess -Timeout 0, which delivers the
    whole inbox to the filter { param($Process, $Data) $script:calls++ }.
      NetProc    elapsed / filter calls made
      baseline   the same ScriptBlock called from C# in a loop, $sb.InvokeReturnAsIs($p, $data), as many times
    Dispatch overhead = NetProc per call - baseline per call.
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [switch] $Quick,
    [string] $ResultPath
)
. (Join-Path $PSScriptRoot 'BenchCommon.ps1')

$writes = if ($Quick) { 4000 } else { 7000 }
$writeSize = 8
$gapMicroseconds = 20
$script:calls = 0
$filter = { param($Process, $Data) $script:calls++ }

function Measure-Dispatch([int] $Writes) {
    $writer = [NetProcBench.SmallWriter]::new($Writes, $writeSize, $gapMicroseconds)
    try {
        [GC]::Collect()
        [GC]::WaitForPendingFinalizers()
        [GC]::Collect()
        $heap0 = [GC]::GetTotalMemory($true)
        $p = New-NetworkProcess -Name small -Host 127.0.0.1 -Service $writer.Port -Encoding Byte -Filter $filter
        if (-not $writer.WaitAllReadThenSuspend($p, 120000)) { throw "the writer did not finish: $($writer.Error)" }
        $heap1 = [GC]::GetTotalMemory($true)
        $queuedBytes = $p.BufferedBytes
        $before = $script:calls
        $sw = [System.Diagnostics.Stopwatch]::StartNew()
        Resume-NetworkProcess -InputObject $p
        $null = Wait-NetworkProcess -InputObject $p -Timeout 0
        $sw.Stop()
        $made = $script:calls - $before
        $left = $p.BufferedBytes
        $writer.Close()
        Remove-NetworkProcess -InputObject $p
        @{
            Calls        = $made
            Early        = $before
            Seconds      = $sw.Elapsed.TotalSeconds
            QueuedBytes  = $queuedBytes
            LeftBytes    = $left
            HeapPerChunk = if ($made) { ($heap1 - $heap0) / $made } else { 0 }
            HeapGrowth   = $heap1 - $heap0
        }
    }
    finally { $writer.Dispose() }
}

# Seconds for $Calls calls, measured over at least 50,000 calls so the figure is steady.
function Measure-Baseline([int] $Calls, [int] $ChunkSize, $Process) {
    $data = [byte[]]::new($ChunkSize)
    $n = [math]::Max($Calls, 50000)
    $script:calls = 0
    $seconds = [NetProcBench.ScriptBlockLoop]::Invoke($filter, $Process, $data, $n)
    if ($script:calls -ne $n) { throw "baseline filter ran $script:calls times, expected $n" }
    $seconds * $Calls / $n
}

# Warm-up: JIT the delivery path and the baseline loop (PowerShell compiles the ScriptBlock, .NET tiers up;
# the per-call figure only settles after a few hundred thousand calls).
$echo = [NetProcBench.EchoServer]::new()
$dummy = New-NetworkProcess -Name dummy -Host 127.0.0.1 -Service $echo.Port -Encoding Byte
$null = Measure-Dispatch 5000
$null = Measure-Baseline 300000 $writeSize $dummy

# Interleaved runs; the best of each side is reported (the first runs still pay for tiered JIT).
$runs = 3
$np = $null
$baseSeconds = [double]::MaxValue
$baseCalls = 1
$all = @()
foreach ($run in 1..$runs) {
    $script:calls = 0
    $r = Measure-Dispatch $writes
    if ($r.Calls -eq 0) { throw 'no filter calls were made in the timed wait' }
    $avg = [math]::Max(1, [int][math]::Round($r.QueuedBytes / $r.Calls))
    $b = Measure-Baseline $r.Calls $avg $dummy
    $all += '{0}/{1}' -f (Format-Num ($r.Seconds / $r.Calls * 1e6) 'N2'), (Format-Num ($b / $r.Calls * 1e6) 'N2')
    if ($null -eq $np -or $r.Seconds / $r.Calls -lt $np.Seconds / $np.Calls) { $np = $r }
    if ($b / $r.Calls -lt $baseSeconds / $baseCalls -or $run -eq 1) { $baseSeconds = $b; $baseCalls = $r.Calls }
}
$avgChunk = [math]::Max(1, [int][math]::Round($np.QueuedBytes / $np.Calls))
Remove-NetworkProcess -InputObject $dummy
$echo.Dispose()

$npPer = $np.Seconds / $np.Calls * 1e6
$basePer = $baseSeconds / $baseCalls * 1e6
$overhead = $npPer - $basePer

Write-Host ''
Write-Host ("Filter dispatch: {0:N0} writes of {1} B, {2} us apart; {3:N0} chunks queued ({4:N0} B, avg {5} B/chunk); {6} delivered before the timed wait" -f `
        $writes, $writeSize, $gapMicroseconds, $np.Calls, $np.QueuedBytes, $avgChunk, $np.Early)
Write-Host ("  NetProc  : {0:N0} filter calls in {1:N1} ms = {2} us/call" -f $np.Calls, ($np.Seconds * 1000), (Format-Num $npPer 'N2'))
Write-Host ("  baseline : {0:N0} InvokeReturnAsIs calls from C# in {1:N1} ms = {2} us/call" -f $baseCalls, ($baseSeconds * 1000), (Format-Num $basePer 'N2'))
Write-Host ("  runs (NetProc/baseline us/call): {0}; best of each reported" -f ($all -join ', '))
Write-Host ("  overhead : {0} us/chunk (target <= 1.5); bytes left undelivered: {1}" -f (Format-Num $overhead 'N2'), $np.LeftBytes)
Write-Host ("  queued inbox cost: {0:N0} B of managed heap for {1:N0} B of data ({2:N0} B per chunk)" -f $np.HeapGrowth, $np.QueuedBytes, $np.HeapPerChunk)

Add-BenchResult '4 filter call per chunk (us/call)' (Format-Num $npPer 'N2') "$(Format-Num $basePer 'N2') InvokeReturnAsIs from C#" `
    (Format-Num ($npPer / $basePer) 'N2') '' $null "$($np.Calls) chunks of avg $avgChunk B"
Add-BenchResult '4 filter dispatch overhead (us/chunk)' (Format-Num $overhead 'N2') '0 (by definition)' '' '<= 1.5' ($overhead -le 1.5)
Complete-Bench $ResultPath
