<#
.SYNOPSIS
    Runs the Pester suite against a built module; the last line is "N passed, N failed, N skipped".
    Exits 1 when a test fails or none ran.
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [string] $Filter = '*'
)

$ErrorActionPreference = 'Stop'
$pester = Join-Path ([Environment]::GetFolderPath('UserProfile')) '.nuget/packages/pester/5.7.1/tools/Pester.psd1'
if ($env:NUGET_PACKAGES) { $pester = Join-Path $env:NUGET_PACKAGES 'pester/5.7.1/tools/Pester.psd1' }
Import-Module $pester -RequiredVersion 5.7.1

$env:NETPROC_MODULE = (Resolve-Path $ModulePath).Path
$files = Get-ChildItem (Join-Path $PSScriptRoot '*.Tests.ps1') | Where-Object Name -Like "$Filter*"

$config = New-PesterConfiguration
$config.Run.Path = @($files.FullName)
$config.Run.PassThru = $true
$config.Output.Verbosity = 'Detailed'
$config.Should.ErrorAction = 'Continue'
$result = Invoke-Pester -Configuration $config

"{0} passed, {1} failed, {2} skipped" -f $result.PassedCount, $result.FailedCount, $result.SkippedCount
if ($result.FailedCount -gt 0 -or $result.PassedCount -eq 0 -or $result.Result -ne 'Passed') { exit 1 }
exit 0
