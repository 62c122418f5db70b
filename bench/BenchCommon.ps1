# Shared by the benchmark scripts: dot-source after param(). Imports the module, compiles the C# peers and
# collects result rows for Run-Bench.ps1's summary table.

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

Import-Module (Resolve-Path $ModulePath).Path -Force
if (-not ('NetProcBench.Pattern' -as [type])) {
    Add-Type -Path (Join-Path $PSScriptRoot 'BenchPeers.cs')
}

$script:BenchResults = [System.Collections.Generic.List[object]]::new()
$script:Invariant = [cultureinfo]::InvariantCulture

# The pwsh running this script, as a command line for child processes (a dotnet tool runs as 'dotnet pwsh.dll').
function Get-PwshCommand {
    $exe = [Environment]::ProcessPath
    if ([IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') {
        return @($exe, (Join-Path $PSHOME 'pwsh.dll'))
    }
    return @($exe)
}

function Format-Num([double] $Value, [string] $Format = 'N1') { $Value.ToString($Format, $script:Invariant) }

# One row of the summary: figures already formatted with their unit; Ratio is NetProc/baseline.
function Add-BenchResult {
    param(
        [Parameter(Mandatory)] [string] $Benchmark,
        [Parameter(Mandatory)] [string] $NetProc,
        [Parameter(Mandatory)] [string] $Baseline,
        [string] $Ratio = '',
        [string] $Target = '',
        [AllowNull()] $Met = $null,
        [string] $Note = ''
    )
    $row = [pscustomobject]@{
        Benchmark = $Benchmark
        NetProc   = $NetProc
        Baseline  = $Baseline
        Ratio     = $Ratio
        Target    = $Target
        Met       = if ($null -eq $Met) { '-' } elseif ($Met) { 'yes' } else { 'NO' }
        Note      = $Note
    }
    $script:BenchResults.Add($row)
}

# Writes the rows for Run-Bench.ps1 (JSON) or, run alone, prints them.
function Complete-Bench {
    param([string] $ResultPath)
    if ($ResultPath) {
        ConvertTo-Json -InputObject @($script:BenchResults) -Depth 3 | Set-Content -Path $ResultPath -Encoding utf8
    }
    else {
        $script:BenchResults | Format-Table -AutoSize | Out-String -Width 300 | Write-Host
    }
}

# The JIT's compiling time so far, in seconds (all threads): a measured run's share tells whether it ran warm.
function Get-JitSeconds { [System.Runtime.JitInfo]::GetCompilationTime($false).TotalSeconds }

# Runs $Round again and again until the JIT has settled, so that what is measured next is steady state: at least
# $MinSeconds, then until a window of at least a second of rounds spent under 1% of its time compiling, at most
# $MaxSeconds. .NET tiers hot methods up in the background after a delay that new compilations keep extending; with
# PowerShell's engine on the path it can take several seconds of transfers on two cores, all the while taking a core
# from what is measured. Returns the seconds it ran, the JIT's seconds in its last window, and whether it settled.
function Invoke-WarmUp([scriptblock] $Round, [double] $MinSeconds = 2, [double] $MaxSeconds = 30) {
    $clock = [System.Diagnostics.Stopwatch]::StartNew()
    $windowStart = 0.0
    $jitAtWindowStart = Get-JitSeconds
    while ($true) {
        $null = & $Round
        $now = $clock.Elapsed.TotalSeconds
        if ($now - $windowStart -lt 1) { continue }
        $jit = (Get-JitSeconds) - $jitAtWindowStart
        $settled = $jit -lt 0.01 * ($now - $windowStart)
        if (($settled -and $now -ge $MinSeconds) -or $now -ge $MaxSeconds) {
            return [pscustomobject]@{ Seconds = $now; WindowJitSeconds = $jit; Settled = $settled }
        }
        $windowStart = $now
        $jitAtWindowStart += $jit
    }
}

# Reads every byte[] chunk Receive-NetworkProcess hands out; one chunk arrives as a bare byte[], several as object[].
function Measure-Chunks($Chunks) {
    if ($null -eq $Chunks) { return 0 }
    if ($Chunks -is [byte[]]) { return $Chunks.Length }
    $sum = 0
    foreach ($c in $Chunks) { $sum += $c.Length }
    $sum
}

# Memory after a full collection: managed heap, working set and thread count of this process.
function Get-Memory {
    [GC]::Collect()
    [GC]::WaitForPendingFinalizers()
    [GC]::Collect()
    $gc = [GC]::GetTotalMemory($true)
    $me = [System.Diagnostics.Process]::GetCurrentProcess()
    try { @{ Gc = $gc; Ws = $me.WorkingSet64; Threads = $me.Threads.Count } } finally { $me.Dispose() }
}

# Echo round trips of $EchoSize bytes on a new connection to an echo server at $Port: $Warmup untimed, then $Count
# timed; the seconds they took. Written once for Bench-EchoRoundTrip.ps1 and Bench-VsEmacs.ps1's workers. NetProc:
# Send-NetworkProcess, then Receive-NetworkProcess -Wait until the reply is whole. RawPs: the same loop over a raw
# Socket (-WithCmdlets: plus two calls of the empty cmdlet Invoke-BenchNothing a trip, the floor of any cmdlet-based
# client). RawCs: the loop in C#.
$EchoSize = 32
$EchoMessage = [byte[]]::new($EchoSize)

function Measure-NetProcEcho([int] $Port, [int] $Count, [int] $Warmup) {
    $p = New-NetworkProcess -Name echo -Host 127.0.0.1 -Service $Port -Encoding Byte
    try {
        $sw = [System.Diagnostics.Stopwatch]::new()
        for ($i = -$Warmup; $i -lt $Count; $i++) {
            if ($i -eq 0) { $sw.Start() }
            Send-NetworkProcess -InputObject $p -Data $EchoMessage
            $got = 0
            while ($got -lt $EchoSize) {
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

function Measure-RawPsEcho([int] $Port, [int] $Count, [int] $Warmup, [switch] $WithCmdlets) {
    $s = [NetProcBench.EchoClient]::Connect($Port)
    try {
        $buf = [byte[]]::new($EchoSize)
        $sw = [System.Diagnostics.Stopwatch]::new()
        for ($i = -$Warmup; $i -lt $Count; $i++) {
            if ($i -eq 0) { $sw.Start() }
            if ($WithCmdlets) { Invoke-BenchNothing $s; Invoke-BenchNothing $EchoMessage }
            $null = $s.Send($EchoMessage)
            $got = 0
            while ($got -lt $EchoSize) {
                $n = $s.Receive($buf, $got, $EchoSize - $got, 'None')
                if ($n -eq 0) { throw 'the echo server closed' }
                $got += $n
            }
        }
        $sw.Elapsed.TotalSeconds
    }
    finally { $s.Dispose() }
}

function Measure-RawCsEcho([int] $Port, [int] $Count, [int] $Warmup) {
    $s = [NetProcBench.EchoClient]::Connect($Port)
    try {
        $null = [NetProcBench.EchoClient]::RoundTrips($s, $Warmup, $EchoSize)
        [NetProcBench.EchoClient]::RoundTrips($s, $Count, $EchoSize)
    }
    finally { $s.Dispose() }
}

# A sender in a pwsh process of its own, so this process's CPU time is the receiver's alone: it loads the C# peers at
# $PeersPath and runs $Serve (a call such as '[NetProcBench.BulkSender]::Serve([Console]::Out)'), which answers on its
# standard output; Read-SenderLine reads it.
function Start-BenchSender([string] $PeersPath, [string] $Serve) {
    $pwsh = @(Get-PwshCommand)
    $psi = [System.Diagnostics.ProcessStartInfo]::new($pwsh[0])
    foreach ($a in @($pwsh | Select-Object -Skip 1)) { $psi.ArgumentList.Add($a) }
    foreach ($a in '-NoProfile', '-NonInteractive', '-Command', "Add-Type -Path '$($PeersPath.Replace("'", "''"))'; $Serve") {
        $psi.ArgumentList.Add($a)
    }
    $psi.RedirectStandardOutput = $true
    $psi.UseShellExecute = $false
    [System.Diagnostics.Process]::Start($psi)
}

# The sender's next line, within $TimeoutSeconds.
function Read-SenderLine([System.Diagnostics.Process] $Sender, [int] $TimeoutSeconds = 60) {
    $task = $Sender.StandardOutput.ReadLineAsync()
    if (-not $task.Wait([timespan]::FromSeconds($TimeoutSeconds))) { throw "the sender said nothing for $TimeoutSeconds s" }
    $line = $task.Result
    if ($null -eq $line) { throw 'the sender exited' }
    $line
}
