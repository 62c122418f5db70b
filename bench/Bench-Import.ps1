<#
.SYNOPSIS
    Benchmark 9: how long Import-Module NetProc takes, next to Import-Module Microsoft.PowerShell.ThreadJob.
.DESCRIPTION
    Every import runs in a fresh pwsh child that first imports PSReadLine, as an interactive pwsh does before its
    first prompt, so the figure is what a user waits for at the prompt, not the import machinery's own first-use
    cost (which both modules would share). Both modules are imported by name from PSModulePath. Rounds are
    interleaved, in a different order each round; each variant's median is reported, and the ratio is the median of
    the rounds' NetProc / ThreadJob.
      NetProc              Import-Module NetProc: the manifest, the DLL, the format file
      ThreadJob            Import-Module Microsoft.PowerShell.ThreadJob, which ships with pwsh (the baseline)
      NetProc, no format   a copy of the module whose manifest loads no format file: the rest is the DLL's share
    Target: NetProc within 2x of ThreadJob.
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [switch] $Quick,
    [string] $ResultPath
)
. (Join-Path $PSScriptRoot 'BenchCommon.ps1')

$rounds = if ($Quick) { 5 } else { 11 }
$ModulePath = (Resolve-Path $ModulePath).Path

# The same module with no format file, in a folder of its own so that it too is imported by the name NetProc.
$scratch = Join-Path ([IO.Path]::GetTempPath()) "netproc-bench-import-$PID"
$noFormat = Join-Path $scratch 'NetProc'
New-Item -ItemType Directory $noFormat -Force | Out-Null
Copy-Item (Join-Path $ModulePath '*') $noFormat -Recurse
$manifestPath = Join-Path $noFormat 'NetProc.psd1'
(Get-Content $manifestPath -Raw) -replace "FormatsToProcess\s*=\s*@\([^)]*\)", 'FormatsToProcess = @()' | Set-Content $manifestPath

$variants = [ordered]@{
    'NetProc'            = @{ Module = 'NetProc'; ModulesFolder = Split-Path $ModulePath }
    'ThreadJob'          = @{ Module = 'Microsoft.PowerShell.ThreadJob'; ModulesFolder = Split-Path $ModulePath }
    'NetProc, no format' = @{ Module = 'NetProc'; ModulesFolder = $scratch }
}

$childScript = @'
Import-Module PSReadLine
$watch = [Diagnostics.Stopwatch]::StartNew()
$module = Import-Module $env:NETPROC_BENCH_MODULE -ErrorAction Stop -PassThru
$elapsed = $watch.Elapsed.TotalMilliseconds.ToString([cultureinfo]::InvariantCulture)
$module.ModuleBase
$elapsed
'@

# One import in a fresh child; returns its milliseconds.
function Measure-Import([hashtable] $Variant) {
    $pwsh = @(Get-PwshCommand)
    $info = [Diagnostics.ProcessStartInfo]::new($pwsh[0])
    foreach ($argument in @($pwsh | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-Command', $childScript)) {
        $info.ArgumentList.Add($argument)
    }
    $info.Environment['PSModulePath'] = $Variant.ModulesFolder
    $info.Environment['NETPROC_BENCH_MODULE'] = $Variant.Module
    $info.RedirectStandardOutput = $info.RedirectStandardError = $true
    $child = [Diagnostics.Process]::Start($info)
    $stdout = $child.StandardOutput.ReadToEndAsync()
    $stderr = $child.StandardError.ReadToEndAsync()
    if (-not $child.WaitForExit(60000)) { $child.Kill($true); throw "the import child for $($Variant.Module) ran over 60 s" }
    if ($child.ExitCode -ne 0) { throw "the import child for $($Variant.Module) failed: $($stderr.Result)" }
    $lines = $stdout.Result.Trim() -split "`n"
    # By name, a copy installed in the user's modules would win over the one under test, and time something else.
    $loaded = $lines[-2].Trim()
    if ($Variant.Module -eq 'NetProc' -and -not $loaded.StartsWith($Variant.ModulesFolder)) {
        throw "Import-Module NetProc loaded $loaded, not the module under test in $($Variant.ModulesFolder): uninstall that copy first."
    }
    [double]::Parse($lines[-1], $script:Invariant)
}

function Get-Median([double[]] $Values) {
    $sorted = @($Values | Sort-Object)
    $middle = [int][math]::Floor($sorted.Count / 2)
    if ($sorted.Count % 2) { return $sorted[$middle] }
    ($sorted[$middle - 1] + $sorted[$middle]) / 2
}

try {
    $times = @{}
    foreach ($name in $variants.Keys) { $times[$name] = [System.Collections.Generic.List[double]]::new() }
    $names = @($variants.Keys)
    foreach ($round in 1..$rounds) {
        # Each round starts with a different variant, so none always runs right after the same neighbour.
        foreach ($i in 0..($names.Count - 1)) {
            $name = $names[($round + $i) % $names.Count]
            $times[$name].Add((Measure-Import $variants[$name]))
        }
    }

    $median = @{}
    foreach ($name in $names) {
        $median[$name] = Get-Median $times[$name]
        Write-Host ("{0,-20} ms per import, sorted: {1}; median {2}" -f $name,
            (($times[$name] | Sort-Object | ForEach-Object { Format-Num $_ 'N1' }) -join ', '), (Format-Num $median[$name] 'N1'))
    }
    # Paired by round: a burst of load elsewhere on the machine slows both imports of a round alike.
    $pairedRatios = @(0..($rounds - 1) | ForEach-Object { $times['NetProc'][$_] / $times['ThreadJob'][$_] } | Sort-Object)
    $ratio = Get-Median $pairedRatios
    Write-Host ("NetProc / ThreadJob per round, sorted: {0}; median {1}" -f (($pairedRatios | ForEach-Object { Format-Num $_ 'N2' }) -join ', '), (Format-Num $ratio 'N2'))
    Add-BenchResult '9 Import-Module, fresh pwsh after PSReadLine (ms)' (Format-Num $median['NetProc'] 'N1') `
        "$(Format-Num $median['ThreadJob'] 'N1') ThreadJob" (Format-Num $ratio 'N2') '<= 2' ($ratio -le 2) `
        ("median of $rounds interleaved rounds (fastest: {0} vs {1} ms); without its format file NetProc takes {2} ms" -f
            (Format-Num ($times['NetProc'] | Measure-Object -Minimum).Minimum 'N1'),
            (Format-Num ($times['ThreadJob'] | Measure-Object -Minimum).Minimum 'N1'), (Format-Num $median['NetProc, no format'] 'N1'))
}
finally {
    Remove-Item $scratch -Recurse -Force -ErrorAction SilentlyContinue
}
Complete-Bench $ResultPath
