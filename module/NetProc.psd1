@{
    RootModule           = 'NetProc.PowerShell.dll'
    ModuleVersion        = '0.1.0'
    GUID                 = '5b7f3a8e-2c61-4d0e-9a57-8f3e61c0d2a4'
    Author               = 'NetProc developers'
    Description          = 'GNU Emacs network processes for PowerShell: TCP connections as process objects with filters, sentinels and a session registry.'
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
    )
    FunctionsToExport    = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{ PSData = @{ Tags = @('Network', 'TCP', 'Emacs', 'Socket', 'netcat') } }
}
