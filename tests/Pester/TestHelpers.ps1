# Shared helpers: dot-source in BeforeAll. Peers are raw .NET sockets on loopback, driven from the test thread.

Import-Module $env:NETPROC_MODULE -Force

$script:Utf8 = [System.Text.UTF8Encoding]::new($false)

# A listening raw socket on 127.0.0.1 (or ::1) port 0; read its port from .Port.
function New-TestListener {
    param([ValidateSet('IPv4', 'IPv6')] [string] $Family = 'IPv4')
    $address = if ($Family -eq 'IPv6') { [ipaddress]::IPv6Loopback } else { [ipaddress]::Loopback }
    $listener = [System.Net.Sockets.TcpListener]::new($address, 0)
    $listener.Start(100)
    $listener | Add-Member -NotePropertyName Port -NotePropertyValue $listener.LocalEndpoint.Port -PassThru
}

# Accepts the next pending connection as a raw Socket, failing after the timeout.
function Get-TestPeer {
    param([Parameter(Mandatory)] $Listener, [double] $Timeout = 5)
    $task = $Listener.AcceptSocketAsync()
    if (-not $task.Wait([timespan]::FromSeconds($Timeout))) { throw "no connection within $Timeout s" }
    $socket = $task.Result
    $socket.ReceiveTimeout = [int]($Timeout * 1000)
    $socket
}

function Send-TestBytes {
    param([Parameter(Mandatory)] $Socket, [Parameter(Mandatory)] $Data)
    $bytes = if ($Data -is [byte[]]) { $Data } else { $script:Utf8.GetBytes([string]$Data) }
    $sent = 0
    while ($sent -lt $bytes.Length) { $sent += $Socket.Send($bytes, $sent, $bytes.Length - $sent, 'None') }
}

# Reads from a raw socket until $Count bytes came (or the peer closed / the socket's timeout passed).
function Read-TestBytes {
    param([Parameter(Mandatory)] $Socket, [Parameter(Mandatory)] [int] $Count)
    $buffer = [byte[]]::new($Count)
    $got = 0
    while ($got -lt $Count) {
        $n = $Socket.Receive($buffer, $got, $Count - $got, 'None')
        if ($n -eq 0) { break }
        $got += $n
    }
    if ($got -lt $Count) { return $buffer[0..($got - 1)] }
    , $buffer
}

function Read-TestText {
    param([Parameter(Mandatory)] $Socket, [Parameter(Mandatory)] [int] $Count)
    $script:Utf8.GetString((Read-TestBytes -Socket $Socket -Count $Count))
}

# Receives from a process until $Predicate holds for the text gathered so far or the timeout passes.
function Receive-TestText {
    param([Parameter(Mandatory)] $Process, [scriptblock] $Until = { $false }, [double] $Timeout = 5)
    $text = [System.Text.StringBuilder]::new()
    $deadline = [datetime]::UtcNow.AddSeconds($Timeout)
    while ([datetime]::UtcNow -lt $deadline) {
        foreach ($chunk in Receive-NetworkProcess -InputObject $Process -Wait -Timeout 0.2) { $null = $text.Append($chunk) }
        if (& $Until $text.ToString()) { break }
        if (-not $Process.IsLive) { break }
    }
    $text.ToString()
}

# Removes every process of this session; for AfterEach.
function Clear-NetworkProcesses {
    Get-NetworkProcess | Remove-NetworkProcess -Confirm:$false
}
