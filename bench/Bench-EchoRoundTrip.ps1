<#
.SYNOPSIS
    Benchmark 2: 20,000 echo round trips of 32-byte messages (-Quick: 2,000).
.DESCRIPTION
    The peer is an echo server on background threads (C# EchoServer). Clients, each after a warm-up:
      NetProc     Send-NetworkProcess 32 bytes, then Receive-NetworkProcess -Wait -AsByteStream until 32 bytes came
      raw PS      the same loop in PowerShell over a raw Socket (Send, then Receive until 32 bytes): the fair
                  baseline for per-call overhead
      raw C#      the same loop in C# (context: the floor of loopback TCP)
    Reports round trips per second and microseconds per round trip.
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [switch] $Quick,
    [string] $ResultPath
)
. (Join-Path $PSScriptRoot 'BenchCommon.ps1')

$count = if ($Quick) { 2000 } else { 20000 }
$warmup = 500
$server = [NetProcBench.EchoServer]::new()
try {
    $null = Measure-RawCsEcho $server.Port $warmup 0
    $null = Measure-RawPsEcho $server.Port $warmup 0
    $null = Measure-NetProcEcho $server.Port $warmup 0
    $t = @{
        'raw C#'  = Measure-RawCsEcho $server.Port $count 0
        'NetProc' = Measure-NetProcEcho $server.Port $count 0
        'raw PS'  = Measure-RawPsEcho $server.Port $count 0
    }
}
finally { $server.Dispose() }

Write-Host ''
Write-Host ("Echo round trips: {0:N0} x {1}-byte messages over loopback; echo server on background threads" -f $count, $EchoSize)
Write-Host ('{0,-10} {1,12} {2,12}' -f 'client', 'round trips/s', 'us/trip')
foreach ($k in 'NetProc', 'raw PS', 'raw C#') {
    Write-Host ('{0,-10} {1,12} {2,12}' -f $k, (Format-Num ($count / $t[$k]) 'N0'), (Format-Num ($t[$k] / $count * 1e6) 'N1'))
}

$np = $t['NetProc'] / $count * 1e6
$ps = $t['raw PS'] / $count * 1e6
$cs = $t['raw C#'] / $count * 1e6
$label = '{0:N0}' -f $count
Add-BenchResult "2 echo $label x 32 B vs PowerShell raw loop (us/trip)" "$(Format-Num $np) ($(Format-Num (1e6 / $np) 'N0')/s)" `
    "$(Format-Num $ps) ($(Format-Num (1e6 / $ps) 'N0')/s) raw PS" (Format-Num ($np / $ps) 'N2')
Add-BenchResult "2 echo $label x 32 B vs C# raw loop (us/trip)" "$(Format-Num $np) ($(Format-Num (1e6 / $np) 'N0')/s)" `
    "$(Format-Num $cs) ($(Format-Num (1e6 / $cs) 'N0')/s) raw C#" (Format-Num ($np / $cs) 'N2')
Complete-Bench $ResultPath
