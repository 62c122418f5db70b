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
$size = 32
$msg = [byte[]]::new($size)

function Measure-NetProc([int] $Count) {
    $p = New-NetworkProcess -Name echo -Host 127.0.0.1 -Service $server.Port -Encoding Byte
    try {
        $sw = [System.Diagnostics.Stopwatch]::StartNew()
        for ($i = 0; $i -lt $Count; $i++) {
            Send-NetworkProcess -InputObject $p -Data $msg
            $got = 0
            while ($got -lt $size) {
                $r = Receive-NetworkProcess -InputObject $p -Wait -Timeout 1 -AsByteStream
                if ($r -is [byte[]]) { $got += $r.Length }
                elseif ($null -ne $r) { foreach ($c in $r) { $got += $c.Length } }
                elseif (-not $p.IsLive) { throw 'the echo server closed' }
            }
        }
        $sw.Elapsed.TotalSeconds
    }
    finally { Remove-NetworkProcess -InputObject $p }
}

function Measure-RawPs([int] $Count) {
    $s = [NetProcBench.EchoClient]::Connect($server.Port)
    try {
        $buf = [byte[]]::new($size)
        $sw = [System.Diagnostics.Stopwatch]::StartNew()
        for ($i = 0; $i -lt $Count; $i++) {
            $null = $s.Send($msg)
            $got = 0
            while ($got -lt $size) {
                $n = $s.Receive($buf, $got, $size - $got, 'None')
                if ($n -eq 0) { throw 'the echo server closed' }
                $got += $n
            }
        }
        $sw.Elapsed.TotalSeconds
    }
    finally { $s.Dispose() }
}

function Measure-RawCs([int] $Count) {
    $s = [NetProcBench.EchoClient]::Connect($server.Port)
    try { [NetProcBench.EchoClient]::RoundTrips($s, $Count, $size) }
    finally { $s.Dispose() }
}

$server = [NetProcBench.EchoServer]::new()
try {
    $null = Measure-RawCs $warmup
    $null = Measure-RawPs $warmup
    $null = Measure-NetProc $warmup
    $t = @{
        'raw C#'  = Measure-RawCs $count
        'NetProc' = Measure-NetProc $count
        'raw PS'  = Measure-RawPs $count
    }
}
finally { $server.Dispose() }

Write-Host ''
Write-Host ("Echo round trips: {0:N0} x {1}-byte messages over loopback; echo server on background threads" -f $count, $size)
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
