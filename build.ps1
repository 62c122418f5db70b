#Requires -Version 7.4
<#
.SYNOPSIS
    The one entry point: build the module, run the tests, the demo or the benchmarks.
.EXAMPLE
    dotnet tool restore && dotnet pwsh ./build.ps1 -Task Test
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Demo', 'Bench', 'Package')]
    [string] $Task = 'Build',

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release',

    # Test: run only the test files whose name matches (e.g. 'Registry').
    [string] $Filter = '*'
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$root = $PSScriptRoot
$moduleOut = Join-Path $root 'out/NetProc'

# The pwsh running this script, as a command line for child processes (a dotnet tool runs as 'dotnet pwsh.dll').
function Get-PwshCommand {
    $exe = [Environment]::ProcessPath
    if ([IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') {
        return @($exe, (Join-Path $PSHOME 'pwsh.dll'))
    }
    return @($exe)
}

function Invoke-Child([string] $Script, [string[]] $Arguments = @()) {
    $pwsh = @(Get-PwshCommand)
    $rest = @($pwsh | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-File', $Script) + $Arguments
    & $pwsh[0] @rest | Out-Host
    return $LASTEXITCODE
}

function Invoke-Build {
    $project = Join-Path $root 'src/NetProc.PowerShell/NetProc.PowerShell.csproj'
    $bin = Join-Path $root "out/bin/$Configuration"
    & dotnet build $project -c $Configuration -o $bin --nologo -v quiet -clp:NoSummary
    if ($LASTEXITCODE -ne 0) { throw "dotnet build failed ($LASTEXITCODE)" }
    if (Test-Path $moduleOut) { Remove-Item $moduleOut -Recurse -Force }
    New-Item -ItemType Directory $moduleOut | Out-Null
    Copy-Item (Join-Path $bin 'NetProc.PowerShell.dll') $moduleOut
    Copy-Item (Join-Path $root 'module/*') $moduleOut -Recurse
    # Cmdlet help from the /// comments (the compiler's doc file, not shipped) and help/*.psd1.
    $helpArgs = @('-ModulePath', $moduleOut, '-DocFile', (Join-Path $bin 'NetProc.PowerShell.xml'),
        '-SourceDir', (Join-Path $root 'help'), '-OutFile', (Join-Path $moduleOut 'en-US/NetProc.PowerShell.dll-Help.xml'))
    if ((Invoke-Child (Join-Path $root 'tools/New-CmdletHelp.ps1') $helpArgs) -ne 0) { throw 'cmdlet help generation failed' }
    Write-Host "Built $moduleOut"
}

# This version's entry in CHANGELOG.md, without its heading: the package's release notes.
function Get-ChangelogEntry([string] $Version) {
    $changelog = Get-Content (Join-Path $root 'CHANGELOG.md') -Raw
    $entry = [regex]::Match($changelog, "(?ms)^## \[$([regex]::Escape($Version))\][^\n]*\n(.*?)(?=^## |\z)")
    if (-not $entry.Success) {
        throw "CHANGELOG.md has no entry '## [$Version] - date' for the manifest's ModuleVersion ${Version}: add one, then package."
    }
    $entry.Groups[1].Value.Trim()
}

# Makes out/NetProc.<version>.nupkg from the built module (with LICENSE and CHANGELOG.md), the manifest's release
# notes stamped from CHANGELOG.md; Install-PSResource installs it from any repository folder it is copied to.
function Invoke-Package {
    $manifestPath = Join-Path $moduleOut 'NetProc.psd1'
    $version = (Import-PowerShellDataFile $manifestPath).ModuleVersion
    $notes = Get-ChangelogEntry $version
    $manifest = Get-Content $manifestPath -Raw
    $stamped = [regex]::Replace($manifest, "ReleaseNotes\s*=\s*'(?:[^']|'')*'", { "ReleaseNotes = '$($notes.Replace("'", "''"))'" })
    if ($stamped -eq $manifest) { throw "$manifestPath has no ReleaseNotes = '...' line for the release notes." }
    Set-Content $manifestPath $stamped -NoNewline
    Copy-Item (Join-Path $root 'LICENSE'), (Join-Path $root 'CHANGELOG.md') $moduleOut
    $destination = Join-Path $root 'out'
    Remove-Item (Join-Path $destination 'NetProc.*.nupkg')
    Compress-PSResource -Path $moduleOut -DestinationPath $destination
    Write-Host "Packaged $(Join-Path $destination "NetProc.$version.nupkg")"
}

function Restore-Pester {
    & dotnet restore (Join-Path $root 'tools/Pester.proj') --nologo -v quiet
    if ($LASTEXITCODE -ne 0) { throw "Pester restore failed ($LASTEXITCODE)" }
}

switch ($Task) {
    'Build' { Invoke-Build }
    'Test' {
        Invoke-Build
        # tests/Pester/Package.Tests.ps1 installs the package this makes.
        if ('Package.Tests.ps1' -like "$Filter*") { Invoke-Package }
        Restore-Pester
        # A bare '*' would be expanded by the shell into file names on its way to the child.
        $testArgs = @('-ModulePath', $moduleOut) + $(if ($Filter -ne '*') { @('-Filter', $Filter) } else { @() })
        $code = Invoke-Child (Join-Path $root 'tests/Pester/Run-Tests.ps1') $testArgs
        exit $code
    }
    'Demo' {
        Invoke-Build
        exit (Invoke-Child (Join-Path $root 'demo.ps1') @('-ModulePath', $moduleOut))
    }
    'Bench' {
        Invoke-Build
        exit (Invoke-Child (Join-Path $root 'bench/Run-Bench.ps1') @('-ModulePath', $moduleOut))
    }
    'Package' {
        Invoke-Build
        Invoke-Package
    }
}
