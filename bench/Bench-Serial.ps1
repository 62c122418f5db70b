<#
.SYNOPSIS
    Benchmark 12: a serial process over a pty pair: bulk receive and one-byte echo, against raw System.IO.Ports.
.DESCRIPTION
    A pty pair (socat pty,raw,echo=0 on both ends) stands in for a cable. A C# writer thread opens the far end and
    writes 16 MiB (-Quick: 2 MiB) as a device would send; the near end is read by
      NetProc   New-SerialProcess -Encoding Byte, @(Receive-NetworkProcess -Wait -AsByteStream) in a loop
      raw       a SerialPort.BaseStream.Read loop in C# (the baseline)
    MB/s = bytes / (writer start to last byte read). Then a one-byte echo through a pty whose far end is socat
    running cat: NetProc (Send-NetworkProcess a byte, Receive-NetworkProcess -Wait until it is back) against a raw
    SerialPort write/read loop, 500 trips (-Quick: 200). Three interleaved rounds each; the medians are compared.
    System.IO.Ports on Unix polls the device about every millisecond, in both: the echo costs about that.
    Targets: receive >= 80% of raw; echo <= 1.5 x raw.
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [switch] $Quick,
    [string] $ResultPath
)
. (Join-Path $PSScriptRoot 'BenchCommon.ps1')
if (-not (Get-Command socat -ErrorAction SilentlyContinue)) {
    if (Get-Command apt-get -ErrorAction SilentlyContinue) { apt-get install -y socat *> $null }
    if (-not (Get-Command socat -ErrorAction SilentlyContinue)) { throw 'socat is needed for pty pairs: apt-get install -y socat' }
}
if (-not ('NetProcBench.RawSerial' -as [type])) {
    # The host's System.IO.Ports, the one the module binds to.
    $ports = [System.Reflection.Assembly]::Load('System.IO.Ports').Location
    Add-Type -Path (Join-Path $PSScriptRoot 'BenchSerialPeers.cs') -ReferencedAssemblies $ports, 'System.Threading.Thread', 'System.Threading', 'System.Runtime', 'System.ComponentModel.Primitives'
}

$bytes = if ($Quick) { 2MB } else { 16MB }
$trips = if ($Quick) { 200 } else { 500 }
$rounds = 3
$folder = New-Item -ItemType Directory (Join-Path ([IO.Path]::GetTempPath()) "netproc-bench-serial-$PID")

function Start-Socat([string[]] $Arguments, [string] $Link) {
    $socat = Start-Process socat -ArgumentList $Arguments -PassThru
    $deadline = [datetime]::UtcNow.AddSeconds(5)
    while (-not (Test-Path $Link)) {
        if ([datetime]::UtcNow -ge $deadline) { $socat.Kill(); throw "socat made no pty at $Link" }
        Start-Sleep -Milliseconds 20
    }
    $socat
}

# A folder of its own per run: a killed socat leaves its links behind, pointing at ptys that are gone.
function New-RunFolder { (New-Item -ItemType Directory (Join-Path $folder ([guid]::NewGuid().ToString('N').Substring(0, 8)))).FullName }

function Stop-Socat($Socat) {
    if (-not $Socat.HasExited) { $Socat.Kill(); $null = $Socat.WaitForExit(5000) }
}

# One bulk run on a fresh pair: seconds from the writer's start to the last byte.
function Measure-Receive([string] $Variant) {
    $run = New-RunFolder
    $a = Join-Path $run 'A'; $b = Join-Path $run 'B'
    $socat = Start-Socat @("pty,raw,echo=0,link=$a", "pty,raw,echo=0,link=$b") $b
    try {
        if ($Variant -eq 'raw') { return [NetProcBench.RawSerial]::Receive($a, $b, $bytes) }
        $p = New-SerialProcess $a -Name bulk -Encoding Byte
        try {
            $writer = [NetProcBench.PtyWriter]::new($b, $bytes)
            $clock = [Diagnostics.Stopwatch]::StartNew()
            $writer.Start()
            $got = 0L
            while ($got -lt $bytes -and $clock.Elapsed.TotalSeconds -lt 120) {
                $got += Measure-Chunks @(Receive-NetworkProcess -InputObject $p -Wait -Timeout 1 -AsByteStream)
            }
            $seconds = $clock.Elapsed.TotalSeconds
            $null = $writer.Wait(10000)
            if ($writer.Error) { throw "writer: $($writer.Error)" }
            if ($got -ne $bytes) { throw "NetProc received $got of $bytes bytes" }
            $seconds
        }
        finally { Remove-NetworkProcess -InputObject $p }
    }
    finally { Stop-Socat $socat }
}

# One echo run through a pty whose far end is cat: microseconds per one-byte trip.
function Measure-Echo([string] $Variant) {
    $e = Join-Path (New-RunFolder) 'E'
    $socat = Start-Socat @("pty,raw,echo=0,link=$e", 'exec:cat') $e
    try {
        if ($Variant -eq 'raw') { return [NetProcBench.RawSerial]::Echo($e, $trips) }
        $p = New-SerialProcess $e -Name echo -Encoding Byte
        try {
            $one = [byte[]](42)
            $clock = [Diagnostics.Stopwatch]::StartNew()
            for ($i = 0; $i -lt $trips; $i++) {
                Send-NetworkProcess -InputObject $p $one
                $got = 0
                while ($got -lt 1) { $got += Measure-Chunks @(Receive-NetworkProcess -InputObject $p -Wait -Timeout 5 -AsByteStream) }
            }
            $clock.Elapsed.TotalMilliseconds * 1000 / $trips
        }
        finally { Remove-NetworkProcess -InputObject $p }
    }
    finally { Stop-Socat $socat }
}

function Get-Median([double[]] $Values) { ($Values | Sort-Object)[[int][math]::Floor($Values.Count / 2)] }

try {
    $receive = @{ NetProc = [Collections.Generic.List[double]]::new(); raw = [Collections.Generic.List[double]]::new() }
    $echo = @{ NetProc = [Collections.Generic.List[double]]::new(); raw = [Collections.Generic.List[double]]::new() }
    $null = Measure-Echo 'NetProc'   # warm-up: JIT and the first open
    for ($round = 1; $round -le $rounds; $round++) {
        foreach ($variant in $(if ($round % 2) { 'NetProc', 'raw' } else { 'raw', 'NetProc' })) {
            $receive[$variant].Add($bytes / (Measure-Receive $variant) / 1e6)
            $echo[$variant].Add((Measure-Echo $variant))
        }
        Write-Host ("round {0}: receive NetProc {1} MB/s, raw {2} MB/s; echo NetProc {3} us, raw {4} us" -f $round,
            (Format-Num $receive.NetProc[-1] 'N2'), (Format-Num $receive.raw[-1] 'N2'), (Format-Num $echo.NetProc[-1] 'N0'), (Format-Num $echo.raw[-1] 'N0'))
    }

    $r = (Get-Median $receive.NetProc) / (Get-Median $receive.raw)
    Add-BenchResult -Benchmark "12a serial bulk $($bytes / 1MB) MiB over a pty, Receive -AsByteStream loop (MB/s)" `
        -NetProc (Format-Num (Get-Median $receive.NetProc) 'N2') -Baseline "$(Format-Num (Get-Median $receive.raw) 'N2') raw SerialPort" `
        -Ratio (Format-Num $r 'N2') -Target '>= 0.80' -Met ($r -ge 0.8) `
        -Note "every run NetProc: $(($receive.NetProc | ForEach-Object { Format-Num $_ 'N2' }) -join ', '); raw: $(($receive.raw | ForEach-Object { Format-Num $_ 'N2' }) -join ', ')"
    $e = (Get-Median $echo.NetProc) / (Get-Median $echo.raw)
    Add-BenchResult -Benchmark "12b serial echo of one byte through cat on a pty, $trips trips (us/trip)" `
        -NetProc (Format-Num (Get-Median $echo.NetProc) 'N0') -Baseline "$(Format-Num (Get-Median $echo.raw) 'N0') raw SerialPort" `
        -Ratio (Format-Num $e 'N2') -Target '<= 1.50' -Met ($e -le 1.5) `
        -Note "every run NetProc: $(($echo.NetProc | ForEach-Object { Format-Num $_ 'N0' }) -join ', '); raw: $(($echo.raw | ForEach-Object { Format-Num $_ 'N0' }) -join ', ')"
}
finally {
    Remove-Item $folder -Recurse -Force -ErrorAction SilentlyContinue
}
Complete-Bench -ResultPath $ResultPath
