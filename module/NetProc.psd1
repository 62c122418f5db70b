@{
    RootModule           = 'NetProc.PowerShell.dll'
    # The one place the version is kept: the build gives it to the DLL too (src/Directory.Build.props), and
    # CHANGELOG.md needs an entry for it before -Task Package will pack it.
    ModuleVersion        = '0.2.0'
    GUID                 = '5b7f3a8e-2c61-4d0e-9a57-8f3e61c0d2a4'
    Author               = 'NetProc developers'
    Copyright            = '(c) 2026 NetProc developers. MIT License.'
    Description          = 'GNU Emacs network processes for PowerShell: TCP, UDP and unix-socket connections and servers as process objects with filters, sentinels and a session registry. Tested on Linux.'
    PowerShellVersion    = '7.4'
    CompatiblePSEditions = @('Core')
    FormatsToProcess     = @('NetProc.format.ps1xml')
    CmdletsToExport      = @(
        'New-NetworkProcess'
        'Open-NetworkStream'
        'Get-NetworkProcess'
        'Get-ProcessStatus'
        'Send-NetworkProcess'
        'Receive-NetworkProcess'
        'Wait-NetworkProcess'
        'Suspend-NetworkProcess'
        'Resume-NetworkProcess'
        'Set-NetworkProcess'
        'Remove-NetworkProcess'
        'Protect-NetworkProcess'
        'New-SerialProcess'
        'Set-SerialProcess'
        'Get-SerialPortName'
    )
    FunctionsToExport    = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        PSData = @{
            # Linux is the only platform the module is built and tested on.
            Tags         = @('PSEdition_Core', 'Linux', 'Network', 'Socket', 'TCP', 'UDP', 'UnixSocket', 'Emacs', 'netcat')
            # The project's address, the one place to change when it has its public home.
            ProjectUri   = 'https://netproc.example/'
            LicenseUri   = 'https://netproc.example/LICENSE'
            # -Task Package replaces this with the entry for ModuleVersion in CHANGELOG.md.
            ReleaseNotes = 'See CHANGELOG.md.'
        }
    }
}
