BeforeAll { . $PSScriptRoot/TestHelpers.ps1 }
Describe 'Registry' {
    AfterEach { Clear-NetworkProcesses; Clear-TestSockets }

    Context 'names and Ids' {
        BeforeEach {
            $listener = New-TestListener
            $port = $listener.Port
        }

        It 'lists a new process under the name it was given, with a positive Id' {
            $p = New-NetworkProcess -Name web -Service $port
            $p.Name | Should -Be 'web'
            $p.Id | Should -BeGreaterThan 0
            $listed = @(Get-NetworkProcess)
            $listed.Count | Should -Be 1
            $listed[0] | Should -Be $p
        }

        It 'uniquifies names Emacs style: web, then web and 1 or 2 in angle brackets' {
            $names = 1..3 | ForEach-Object { (New-NetworkProcess -Name web -Service $port).Name }
            $names | Should -Be @('web', 'web<1>', 'web<2>')
        }

        It 'searches from 1 each time, so a removed number is reused' {
            $null = 1..3 | ForEach-Object { New-NetworkProcess -Name web -Service $port }
            Remove-NetworkProcess -Name 'web<1>'
            (New-NetworkProcess -Name web -Service $port).Name | Should -Be 'web<1>'
            (New-NetworkProcess -Name web -Service $port).Name | Should -Be 'web<3>'
        }

        It 'treats a name that already looks suffixed literally' {
            $null = New-NetworkProcess -Name 'foo<1>' -Service $port
            $names = 1..3 | ForEach-Object { (New-NetworkProcess -Name foo -Service $port).Name }
            $names | Should -Be @('foo', 'foo<2>', 'foo<3>')
        }

        It 'gives small, distinct, increasing Ids and lists processes in Id order' {
            $made = 1..4 | ForEach-Object { New-NetworkProcess -Name "p$_" -Service $port }
            $ids = $made.Id
            ($ids | Select-Object -Unique).Count | Should -Be 4
            for ($i = 1; $i -lt 4; $i++) { $ids[$i] | Should -BeGreaterThan $ids[$i - 1] }
            $ids[0] | Should -BeLessThan 10000
            (Get-NetworkProcess).Id | Should -Be $ids
        }

        It 'reports Type Network, Kind Client, SocketType Stream and the query flag set by default' {
            $p = New-NetworkProcess -Name web -Service $port
            $p.Type | Should -Be 'Network'
            $p.Kind | Should -Be 'Client'
            $p.SocketType | Should -Be 'Stream'
            $p.QueryOnExit | Should -BeTrue
            $p.ExitStatus | Should -Be 0
            $p.LastError | Should -BeNullOrEmpty
            $p.Created | Should -BeOfType [datetime]
        }
    }

    Context 'selecting processes' {
        BeforeEach {
            $listener = New-TestListener
            $port = $listener.Port
            $web = New-NetworkProcess -Name web -Service $port
            $web1 = New-NetworkProcess -Name web -Service $port
            $mail = New-NetworkProcess -Name mail -Service $port
        }

        It 'finds a process by exact name, including a suffixed one' {
            Get-NetworkProcess -Name web | Should -Be $web
            Get-NetworkProcess 'web<1>' | Should -Be $web1
        }

        It 'matches names case-insensitively' {
            Get-NetworkProcess -Name WEB | Should -Be $web
        }

        It 'expands wildcards' {
            $found = @(Get-NetworkProcess -Name 'w*')
            $found.Count | Should -Be 2
            $found | Should -Contain $web
            $found | Should -Contain $web1
        }

        It 'writes nothing and no error for a wildcard that matches nothing' {
            $found = @(Get-NetworkProcess -Name 'zz*' -ErrorVariable err)
            $found.Count | Should -Be 0
            $err.Count | Should -Be 0
        }

        It 'selects each process once even when several names match it' {
            $found = @(Get-NetworkProcess -Name web, 'w*', 'web')
            $found.Count | Should -Be 2
        }

        It 'finds processes by Id' {
            @(Get-NetworkProcess -Id $mail.Id, $web.Id).Name | Should -Be @('mail', 'web')
        }

        It 'takes process objects from the pipeline' {
            $found = @($web1, $mail | Get-NetworkProcess)
            $found | Should -Be @($web1, $mail)
        }

        It 'binds Name by property name from the pipeline' {
            [pscustomobject]@{ Name = 'mail' } | Get-NetworkProcess | Should -Be $mail
        }

        It 'Get-ProcessStatus writes the status of the selected processes' {
            Get-ProcessStatus -Name mail | Should -Be 'Open'
            @(Get-NetworkProcess | Get-ProcessStatus) | Should -Be @('Open', 'Open', 'Open')
            Get-ProcessStatus -Id $web.Id | Should -BeOfType [NetProc.Engine.ProcessStatus]
        }

        It 'Get-ProcessStatus reports Closed for a removed process object' {
            Remove-NetworkProcess -InputObject $mail
            Get-ProcessStatus -InputObject $mail | Should -Be 'Closed'
        }
    }

    Context 'format view' {
        It 'shows Id, Name, Status and Address in the default table view' {
            $listener = New-TestListener
            $p = New-NetworkProcess -Name viewme -Service $listener.Port
            $text = Get-NetworkProcess | Out-String -Width 250
            $header = ($text -split "`n" | Where-Object { $_ -match '\bName\b' } | Select-Object -First 1)
            $header | Should -Match '\bId\s+Name\s+Status\b.*\bAddress\b'
            $text | Should -Match "\b$($p.Id)\s+viewme\s+Open\s+0 127\.0\.0\.1:$($listener.Port)\b"
        }
    }

    Context 'lifetimes' {
        It 'Remove-NetworkProcess takes the process off the list, status Closed, ExitStatus 0' {
            $c = New-TestConnection -Name gone
            Remove-NetworkProcess -Name gone
            @(Get-NetworkProcess).Count | Should -Be 0
            $c.Process.Status | Should -Be 'Closed'
            $c.Process.ExitStatus | Should -Be 0
            $c.Process.IsLive | Should -BeFalse
            Test-PeerClosed $c.Peer | Should -BeTrue
        }

        It 'Remove-NetworkProcess -WhatIf leaves the process open and listed' {
            $c = New-TestConnection -Name stay
            Remove-NetworkProcess -Name stay -WhatIf
            $c.Process.Status | Should -Be 'Open'
            Get-NetworkProcess -Name stay | Should -Be $c.Process
        }

        It 'removes every piped process' {
            $listener = New-TestListener
            $null = 1..3 | ForEach-Object { New-NetworkProcess -Name many -Service $listener.Port }
            Get-NetworkProcess -Name 'many*' | Remove-NetworkProcess
            @(Get-NetworkProcess).Count | Should -Be 0
        }

        It 'keeps a peer-closed process listed until its unread output was read' {
            $c = New-TestConnection -Name bye
            Send-TestBytes $c.Peer 'last words'
            $c.Peer.Shutdown('Send')
            Wait-TestCondition { $c.Process.Status -eq 'Closed' } | Should -BeTrue
            Get-NetworkProcess -Name bye | Should -Be $c.Process
            (Receive-NetworkProcess -InputObject $c.Process) -join '' | Should -Be 'last words'
            @(Get-NetworkProcess -Name 'bye*').Count | Should -Be 0
        }

        It 'drops a peer-closed process with nothing unread from the list' {
            $c = New-TestConnection -Name quiet
            $c.Peer.Close()
            Wait-TestCondition { $c.Process.Status -eq 'Closed' } | Should -BeTrue
            $null = Receive-NetworkProcess -InputObject $c.Process
            @(Get-NetworkProcess -Name 'quiet*').Count | Should -Be 0
        }

        It 'keeps a failed -NoWait process listed until it is removed' {
            $p = New-NetworkProcess -Name failing -Service (Get-ClosedPort) -NoWait
            Wait-TestCondition { $p.Status -eq 'Failed' } | Should -BeTrue
            Get-NetworkProcess -Name failing | Should -Be $p
            Remove-NetworkProcess -InputObject $p
            @(Get-NetworkProcess).Count | Should -Be 0
        }
    }

    Context 'plist and query flag' {
        It 'copies -Plist, so later changes to the caller''s table do not leak in' {
            $listener = New-TestListener
            $table = @{ owner = 'me' }
            $p = New-NetworkProcess -Name pl -Service $listener.Port -Plist $table
            $table.owner = 'someone else'
            $p.Plist.owner | Should -Be 'me'
        }

        It 'starts with an empty plist and Set-NetworkProcess -Plist replaces it' {
            $listener = New-TestListener
            $p = New-NetworkProcess -Name pl -Service $listener.Port
            $p.Plist.Count | Should -Be 0
            Set-NetworkProcess -InputObject $p -Plist @{ a = 1 }
            $p.Plist.a | Should -Be 1
        }

        It '-NoQuery clears the query flag and Set-NetworkProcess -QueryOnExit sets it' {
            $listener = New-TestListener
            $p = New-NetworkProcess -Name q -Service $listener.Port -NoQuery
            $p.QueryOnExit | Should -BeFalse
            $same = Set-NetworkProcess -Name q -QueryOnExit $true -PassThru
            $same | Should -Be $p
            $p.QueryOnExit | Should -BeTrue
        }
    }

    Context 'one per runspace' {
        It 'a new runspace sees none of this runspace''s processes' {
            $c = New-TestConnection -Name mine
            $ps = New-TestRunspace
            try {
                $theirs = Invoke-InTestRunspace $ps '@(Get-NetworkProcess).Count'
                $theirs | Should -Be 0
                $lookup = Invoke-InTestRunspace $ps 'Get-NetworkProcess -Name mine -ErrorAction SilentlyContinue; $Error.Count -gt 0'
                $lookup | Should -Be $true
            } finally { $ps.Dispose() }
            @(Get-NetworkProcess).Count | Should -Be 1
        }

        It 'processes made in another runspace are not listed here' {
            $listener = New-TestListener
            $ps = New-TestRunspace
            try {
                $name = Invoke-InTestRunspace $ps 'param($port) (New-NetworkProcess -Name elsewhere -Service $port).Name' @($listener.Port)
                $name | Should -Be 'elsewhere'
                @(Get-NetworkProcess -Name 'elsewhere*').Count | Should -Be 0
                (New-NetworkProcess -Name elsewhere -Service $listener.Port).Name | Should -Be 'elsewhere'
            } finally { $ps.Dispose() }
        }

        It 'closing a runspace closes its sockets' {
            $listener = New-TestListener
            $ps = New-TestRunspace
            try {
                $null = Invoke-InTestRunspace $ps 'param($port) New-NetworkProcess -Name doomed -Service $port' @($listener.Port)
                $peer = Get-TestPeer $listener
            } finally { $ps.Dispose() }
            Test-PeerClosed $peer | Should -BeTrue
        }
    }

    Context 'threads' {
        # A client reads, and a server accepts, on a thread of its own; none may outlive its process.
        AfterEach { Clear-NetworkProcesses; Clear-TestSockets }

        It 'a client reads on a thread of its own that ends when the client is removed' {
            $before = Get-NetProcThreadCount
            $clients = 1..3 | ForEach-Object { New-TestConnection -Name "t$_" }
            Wait-TestCondition { (Get-NetProcThreadCount) -eq $before + 3 } | Should -BeTrue
            $clients.Process | Remove-NetworkProcess
            Wait-TestCondition { (Get-NetProcThreadCount) -eq $before } | Should -BeTrue
        }

        It 'a client''s reader thread ends when the peer closes' {
            $before = Get-NetProcThreadCount
            $c = New-TestConnection -Name gone
            Wait-TestCondition { (Get-NetProcThreadCount) -eq $before + 1 } | Should -BeTrue
            $c.Peer.Close()
            Wait-TestCondition { $c.Process.Status -eq 'Closed' } | Should -BeTrue
            Wait-TestCondition { (Get-NetProcThreadCount) -eq $before } | Should -BeTrue
        }

        It 'a server accepts on one thread of its own, whatever its connections, that ends when the server is removed' {
            $before = Get-NetProcThreadCount
            $server = New-NetworkProcess -Name tsrv -Server -Service 0
            $peers = 1..3 | ForEach-Object {
                $s = [System.Net.Sockets.Socket]::new('InterNetwork', 'Stream', 'Tcp')
                $script:TestSockets.Add($s)
                $s.Connect([ipaddress]::Loopback, $server.Service)
                $s
            }
            Wait-TestCondition { @(Get-NetworkProcess -Name 'tsrv <*').Count -eq 3 } | Should -BeTrue
            Get-NetProcThreadCount | Should -Be ($before + 1)
            Remove-NetworkProcess -InputObject $server
            Wait-TestCondition { (Get-NetProcThreadCount) -eq $before } | Should -BeTrue
            # Removing the server closes only the listener: its connections stay, and need no thread of their own.
            @(Get-NetworkProcess -Name 'tsrv <*').Count | Should -Be 3
            @(Get-NetworkProcess -Name 'tsrv <*' | Where-Object Status -EQ 'Open').Count | Should -Be $peers.Count
        }

        It 'closing a runspace ends the threads of its clients and servers' {
            $before = Get-NetProcThreadCount
            $listener = New-TestListener
            $ps = New-TestRunspace
            try {
                $null = Invoke-InTestRunspace $ps 'param($port) New-NetworkProcess -Name c -Service $port; New-NetworkProcess -Name s -Server -Service 0' @($listener.Port)
                Wait-TestCondition { (Get-NetProcThreadCount) -eq $before + 2 } | Should -BeTrue
            } finally { $ps.Dispose() }
            Wait-TestCondition { (Get-NetProcThreadCount) -eq $before } | Should -BeTrue
        }
    }

    Context 'module removal' {
        # Last in this file: it removes the module and imports it again.
        It 'Remove-Module NetProc closes every socket of the session' {
            $a = New-TestConnection -Name a
            $b = New-TestConnection -Name b
            try {
                Remove-Module NetProc -Force
                Test-PeerClosed $a.Peer | Should -BeTrue
                Test-PeerClosed $b.Peer | Should -BeTrue
                $a.Process.Status | Should -Be 'Closed'
            } finally {
                Import-Module $env:NETPROC_MODULE -Force
            }
            @(Get-NetworkProcess).Count | Should -Be 0
        }
    }
}
