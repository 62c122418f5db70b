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

function Restore-Pester {
    & dotnet restore (Join-Path $root 'tools/Pester.proj') --nologo -v quiet
    if ($LASTEXITCODE -ne 0) { throw "Pester restore failed ($LASTEXITCODE)" }
}

switch ($Task) {
    'Build' { Invoke-Build }
    'Test' {
        Invoke-Build
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
        $zip = Join-Path $root 'out/NetProc.zip'
        Compress-Archive -Path $moduleOut -DestinationPath $zip -Force
        Write-Host "Packaged $zip"
    }
}
