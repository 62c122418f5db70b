# The package as a user gets it: out/NetProc.<version>.nupkg (build.ps1 -Task Package, or -Task Test, makes it next
# to the module under test) is installed with Install-PSResource from a temporary local repository, then imported by
# name in a fresh pwsh. Both children run with a temporary HOME, so the repository registration and the CurrentUser
# install land in a folder this file deletes: the real profile and module folders are never touched.

BeforeAll {
    $script:ModuleDir = $env:NETPROC_MODULE
    $script:Version = (Import-PowerShellDataFile (Join-Path $ModuleDir 'NetProc.psd1')).ModuleVersion
    $package = Join-Path (Split-Path $ModuleDir) "NetProc.$Version.nupkg"
    if (-not (Test-Path $package)) { throw "No package ${package}: make it with build.ps1 -Task Package (-Task Test does)." }

    $script:TempRoot = Join-Path ([IO.Path]::GetTempPath()) "netproc-package-$([guid]::NewGuid().ToString('N').Substring(0, 12))"
    $repository = New-Item -ItemType Directory (Join-Path $TempRoot 'repository')
    Copy-Item $package $repository
    $script:TestHome = Join-Path $TempRoot 'home'
    # .NET gives an empty LocalApplicationData for a folder that does not exist, and PSResourceGet would then keep its
    # repository list in the working directory: the folders exist, and the children work in the temporary home.
    foreach ($folder in '.local/share', '.config', '.cache') { New-Item -ItemType Directory (Join-Path $TestHome $folder) | Out-Null }
    $script:ChildEnvironment = @{
        HOME                 = $TestHome
        XDG_DATA_HOME        = Join-Path $TestHome '.local/share'
        XDG_CONFIG_HOME      = Join-Path $TestHome '.config'
        XDG_CACHE_HOME       = Join-Path $TestHome '.cache'
        NETPROC_TEST_REPO    = $repository.FullName
        NETPROC_TEST_VERSION = $Version
    }

    # Runs a script in a child pwsh with $ChildEnvironment (plus $Environment) and returns the JSON object its
    # last output line holds; throws with the child's errors when it fails or outlives $Timeout seconds.
    function Invoke-TestChild([string] $Script, [hashtable] $Environment = @{}, [double] $Timeout = 60) {
        $info = [Diagnostics.ProcessStartInfo]::new([Environment]::ProcessPath)
        $info.WorkingDirectory = $ChildEnvironment.HOME
        # A pwsh run as a dotnet tool is 'dotnet pwsh.dll'.
        if ([IO.Path]::GetFileNameWithoutExtension($info.FileName) -eq 'dotnet') { $info.ArgumentList.Add((Join-Path $PSHOME 'pwsh.dll')) }
        foreach ($argument in '-NoProfile', '-NonInteractive', '-Command', $Script) { $info.ArgumentList.Add($argument) }
        foreach ($pair in ($ChildEnvironment + $Environment).GetEnumerator()) { $info.Environment[$pair.Key] = $pair.Value }
        $info.RedirectStandardOutput = $info.RedirectStandardError = $true
        $child = [Diagnostics.Process]::Start($info)
        $stdout = $child.StandardOutput.ReadToEndAsync()
        $stderr = $child.StandardError.ReadToEndAsync()
        if (-not $child.WaitForExit([int]($Timeout * 1000))) {
            $child.Kill($true)
            throw "child pwsh still running after $Timeout s"
        }
        if ($child.ExitCode -ne 0) { throw "child pwsh failed ($($child.ExitCode)): $($stderr.Result) $($stdout.Result)" }
        ($stdout.Result.Trim() -split "`n")[-1] | ConvertFrom-Json
    }

    $script:Installed = Invoke-TestChild {
        $ErrorActionPreference = 'Stop'
        Register-PSResourceRepository -Name NetProcTest -Uri $env:NETPROC_TEST_REPO -Trusted
        try {
            Install-PSResource -Name NetProc -Version $env:NETPROC_TEST_VERSION -Repository NetProcTest -Scope CurrentUser
            $resource = Get-InstalledPSResource -Name NetProc -Scope CurrentUser
            [pscustomobject]@{
                Version       = $resource.Version.ToString()
                Repository    = $resource.Repository
                ModuleBase    = Join-Path $resource.InstalledLocation "NetProc/$($resource.Version)"
                ModulesFolder = $resource.InstalledLocation
            } | ConvertTo-Json -Compress
        }
        finally { Unregister-PSResourceRepository -Name NetProcTest }
    }

    # Only the install location and PowerShell's own modules are on the child's module path.
    $script:Imported = Invoke-TestChild -Environment @{ PSModulePath = $Installed.ModulesFolder } {
        $ErrorActionPreference = 'Stop'
        Import-Module NetProc
        $assembly = (Get-Command New-NetworkProcess).ImplementingType.Assembly
        $server = New-NetworkProcess -Name echo -Server -Service 0 -Filter { param($p, $d) Send-NetworkProcess $p $d }
        New-NetworkProcess -Name client -Service $server.Service | Out-Null
        Send-NetworkProcess client "hello from the package`n"
        $reply = Receive-NetworkProcess client -Wait -Line -Timeout 10
        Get-NetworkProcess | Remove-NetworkProcess
        [pscustomobject]@{
            ModuleBase           = (Get-Module NetProc).ModuleBase
            ModuleVersion        = (Get-Module NetProc).Version.ToString()
            AssemblyVersion      = $assembly.GetName().Version.ToString()
            FileVersion          = [Diagnostics.FileVersionInfo]::GetVersionInfo($assembly.Location).FileVersion
            InformationalVersion = [Reflection.CustomAttributeExtensions]::GetCustomAttribute[Reflection.AssemblyInformationalVersionAttribute]($assembly).InformationalVersion
            Reply                = $reply
        } | ConvertTo-Json -Compress
    }
}

AfterAll {
    if ($TempRoot) { Remove-Item $TempRoot -Recurse -Force -ErrorAction SilentlyContinue }
}

Describe 'The NetProc package' {
    It 'installs with Install-PSResource from a local repository into the temporary home' {
        $Installed.Version | Should -Be $Version
        $Installed.Repository | Should -Be 'NetProcTest'
        $Installed.ModuleBase | Should -BeLike "$TestHome/*"
        # The registration was kept in the temporary home, not in the user's profile (nor the working directory).
        Join-Path $TestHome '.local/share/PSResourceGet/PSResourceRepository.xml' | Should -Exist
        Join-Path $Installed.ModuleBase 'NetProc.PowerShell.dll' | Should -Exist
        Join-Path $Installed.ModuleBase 'LICENSE' | Should -Exist
        # pwsh's own System.IO.Ports is the one loaded (Serial.Tests.ps1): the package carries none.
        Get-ChildItem $Installed.ModuleBase -Recurse -Filter 'System.IO.Ports*' | Should -BeNullOrEmpty
    }

    It 'imports by name in a fresh pwsh and echoes a line through a server it started' {
        $Imported.ModuleBase | Should -Be $Installed.ModuleBase
        $Imported.Reply | Should -Be 'hello from the package'
    }

    It 'carries one version in the manifest and the DLL' {
        $Imported.ModuleVersion | Should -Be $Version
        $Imported.AssemblyVersion | Should -Be "$Version.0"
        $Imported.FileVersion | Should -Be "$Version.0"
        $Imported.InformationalVersion | Should -BeLike "$Version*"
    }

    It 'has a complete manifest: URIs, copyright, release notes from CHANGELOG.md, edition and platform tags' {
        $manifest = Test-ModuleManifest (Join-Path $Installed.ModuleBase 'NetProc.psd1')
        $manifest.Version | Should -Be $Version
        $manifest.ProjectUri | Should -Not -BeNullOrEmpty
        $manifest.LicenseUri | Should -Not -BeNullOrEmpty
        $manifest.Copyright | Should -Match 'NetProc developers'
        $manifest.Tags | Should -Contain 'PSEdition_Core'
        $manifest.Tags | Should -Contain 'Linux'
        $manifest.CompatiblePSEditions | Should -Be @('Core')
        $changelog = Get-Content (Join-Path $Installed.ModuleBase 'CHANGELOG.md') -Raw
        $changelog | Should -Match "(?m)^## \[$([regex]::Escape($Version))\]"
        $manifest.ReleaseNotes | Should -Not -Be 'See CHANGELOG.md.'
        $changelog.Replace("`r`n", "`n").Contains($manifest.ReleaseNotes.Replace("`r`n", "`n")) | Should -BeTrue
    }
}
