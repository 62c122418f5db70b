<#
.SYNOPSIS
    Runs every NetProc benchmark, each in its own child pwsh, and prints a summary table.
.DESCRIPTION
    Each bench/Bench-*.ps1 prints its own detail and writes its result rows (NetProc figure, a raw .NET baseline
    from the same run, the ratio, the target) to a temporary JSON file; this script collects them.
    A child per benchmark keeps one benchmark's garbage, threads and JIT state out of the next one's figures.
    The exit code is non-zero only when a benchmark fails to run or finds lost/corrupted data; a missed
    performance target shows as 'NO' in the table.
.EXAMPLE
    dotnet pwsh ./build.ps1 -Task Bench
.EXAMPLE
    dotnet pwsh ./bench/Run-Bench.ps1 -ModulePath ./out/NetProc -Quick
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    # Smaller sizes: the whole run in under a minute.
    [switch] $Quick
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$ModulePath = (Resolve-Path $ModulePath).Path

$benchmarks = @(
    'Bench-BulkReceive.ps1'
    'Bench-EchoRoundTrip.ps1'
    'Bench-UnreadMemory.ps1'
    'Bench-FilterDispatch.ps1'
    'Bench-AcceptRate.ps1'
    'Bench-ServerScale.ps1'
    'Bench-ClientScale.ps1'
    'Bench-DatagramRate.ps1'
    'Bench-Interop.ps1'
    'Bench-Serial.ps1'
    'Bench-Tls.ps1'
    'Bench-Import.ps1'
    'Bench-VsEmacs.ps1'
)

function Get-PwshCommand {
    $exe = [Environment]::ProcessPath
    if ([IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') {
        return @($exe, (Join-Path $PSHOME 'pwsh.dll'))
    }
    return @($exe)
}

$pwsh = @(Get-PwshCommand)
$rows = [System.Collections.Generic.List[object]]::new()
$failed = [System.Collections.Generic.List[string]]::new()
$total = [System.Diagnostics.Stopwatch]::StartNew()
$module = Get-Item (Join-Path $ModulePath 'NetProc.PowerShell.dll') -ErrorAction SilentlyContinue

Write-Host ("NetProc benchmarks{0} on {1}, {2} cores, PowerShell {3}, .NET {4}" -f $(if ($Quick) { ' (-Quick)' } else { '' }),
    [Runtime.InteropServices.RuntimeInformation]::OSDescription, [Environment]::ProcessorCount, $PSVersionTable.PSVersion,
    [Environment]::Version)
if ($module) { Write-Host "Module: $ModulePath (built $($module.LastWriteTime.ToString('u')))" }

foreach ($name in $benchmarks) {
    $script = Join-Path $PSScriptRoot $name
    $resultPath = Join-Path ([IO.Path]::GetTempPath()) ("netproc-bench-{0}-{1}.json" -f $PID, [IO.Path]::GetFileNameWithoutExtension($name))
    Remove-Item $resultPath -ErrorAction SilentlyContinue
    Write-Host ''
    Write-Host "=== $name ==="
    $sw = [System.Diagnostics.Stopwatch]::StartNew()
    $arguments = @($pwsh | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-File', $script, '-ModulePath', $ModulePath, '-ResultPath', $resultPath)
    if ($Quick) { $arguments += '-Quick' }
    & $pwsh[0] @arguments | Out-Host
    $code = $LASTEXITCODE
    Write-Host ("({0} took {1:N1} s)" -f $name, $sw.Elapsed.TotalSeconds)
    if ($code -ne 0) { $failed.Add("$name (exit $code)") }
    if (Test-Path $resultPath) {
        foreach ($row in @(Get-Content $resultPath -Raw | ConvertFrom-Json)) { $rows.Add($row) }
        Remove-Item $resultPath
    }
    elseif ($code -eq 0) { $failed.Add("$name (no results)") }
}

Write-Host ''
Write-Host ("=== Summary{0} ({1:N0} s) ===" -f $(if ($Quick) { ' (-Quick)' } else { '' }), $total.Elapsed.TotalSeconds)
Write-Host 'Ratio = NetProc / baseline. MB/s = 10^6 bytes/s. Baselines are raw .NET sockets (C# unless noted) in the same run.'
$rows | Select-Object Benchmark, NetProc, Baseline, Ratio, Target, Met | Format-Table -AutoSize | Out-String -Width 300 | Write-Host
$notes = @($rows | Where-Object { $_.Note })
foreach ($row in $notes) { Write-Host ("  {0}: {1}" -f $row.Benchmark, $row.Note) }
$missed = @($rows | Where-Object { $_.Met -eq 'NO' })
Write-Host ("{0} targets met, {1} missed" -f @($rows | Where-Object { $_.Met -eq 'yes' }).Count, $missed.Count)
if ($failed.Count) {
    Write-Host ("Failed: {0}" -f ($failed -join ', '))
    exit 1
}
exit 0
