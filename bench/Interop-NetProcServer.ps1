<#
.SYNOPSIS
    A NetProc server for the interop benchmark, run in a child pwsh by bench/Bench-Interop.ps1.
.DESCRIPTION
    Written the way a user writes a small server with NetProc: New-NetworkProcess -Server -Service 0 with a filter
    that accumulates what a connection sent (in its Plist) and answers complete requests with Send-NetworkProcess,
    driven by a Wait-NetworkProcess loop.
      Http   HTTP/1.0 and 1.1: a fixed text body with Content-Length; keeps the connection for HTTP/1.1 (unless
             "Connection: close") and for HTTP/1.0 with "Connection: keep-alive", else Remove-NetworkProcess after
             the response
      Resp   Redis protocol: PING, SET, GET (one hashtable for all connections), CONFIG GET (an empty value);
             RESP arrays and inline commands, pipelined or not; one send per chunk
      File   HTTP/1.0: the bytes of -FilePath with Content-Length, then Remove-NetworkProcess
    Speaks to its parent on stdin/stdout, one line each:
      (start) -> PORT p
      STATS   -> {"Answered":..,"Connections":..,"FilterErrors":..,"FirstFilterError":..}   (JSON, one line)
      EXIT, or the end of stdin: the script ends. It also ends by itself after -MaxSeconds.
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [ValidateSet('Http', 'Resp', 'File')] [string] $Kind,
    [string] $FilePath,
    [string] $Body = "Hello from the interop benchmark`n",
    [int] $Backlog = 128,
    [int] $MaxSeconds = 900
)
$ErrorActionPreference = 'Stop'
Import-Module (Resolve-Path $ModulePath).Path

$script:answered = 0

$httpFilter = {
    param($p, $d)
    $p.Plist.Request += $d
    while (($end = $p.Plist.Request.IndexOf("`r`n`r`n")) -ge 0) {
        $head = $p.Plist.Request.Substring(0, $end)
        $p.Plist.Request = $p.Plist.Request.Substring($end + 4)
        $version = if ($head -match '^\S+ \S+ HTTP/1\.1') { 'HTTP/1.1' } else { 'HTTP/1.0' }
        $keepAlive = if ($head -match '(?im)^Connection:\s*(\S+)') {
            if ($version -eq 'HTTP/1.1') { $Matches[1] -ne 'close' } else { $Matches[1] -eq 'keep-alive' }
        }
        else { $version -eq 'HTTP/1.1' }
        $connection = if ($keepAlive) { 'keep-alive' } else { 'close' }
        Send-NetworkProcess $p ("$version 200 OK`r`nContent-Type: text/plain`r`nContent-Length: $($Body.Length)`r`n" +
            "Connection: $connection`r`n`r`n$Body")
        $script:answered++
        if (-not $keepAlive) {
            Remove-NetworkProcess $p
            return
        }
    }
}

$store = @{}
$respFilter = {
    param($p, $d)
    $buf = $p.Plist.Pending + $d
    $reply = [System.Text.StringBuilder]::new()
    $pos = 0
    while ($pos -lt $buf.Length) {
        $eol = $buf.IndexOf("`r`n", $pos)
        if ($eol -lt 0) { break }
        if ($buf[$pos] -ne '*') {
            $words = $buf.Substring($pos, $eol - $pos) -split ' '
            $next = $eol + 2
        }
        else {
            $n = [int]$buf.Substring($pos + 1, $eol - $pos - 1)
            $words = [string[]]::new($n)
            $next = $eol + 2
            for ($i = 0; $i -lt $n; $i++) {
                $eol = $buf.IndexOf("`r`n", $next)
                if ($eol -lt 0) { break }
                $len = [int]$buf.Substring($next + 1, $eol - $next - 1)
                if ($eol + 4 + $len -gt $buf.Length) { $eol = -1; break }
                $words[$i] = $buf.Substring($eol + 2, $len)
                $next = $eol + 4 + $len
            }
            if ($eol -lt 0) { break }
        }
        $pos = $next
        $script:answered++
        switch ($words[0].ToUpperInvariant()) {
            'PING' { $null = $reply.Append("+PONG`r`n") }
            'SET' { $store[$words[1]] = $words[2]; $null = $reply.Append("+OK`r`n") }
            'GET' {
                $value = $store[$words[1]]
                if ($null -eq $value) { $null = $reply.Append("`$-1`r`n") }
                else { $null = $reply.Append("`$$($value.Length)`r`n$value`r`n") }
            }
            'CONFIG' { $null = $reply.Append("*2`r`n`$$($words[2].Length)`r`n$($words[2])`r`n`$0`r`n`r`n") }
            default { $null = $reply.Append("-ERR unknown command '$($words[0])'`r`n") }
        }
    }
    $p.Plist.Pending = $buf.Substring($pos)
    if ($reply.Length) { Send-NetworkProcess $p $reply.ToString() }
}

$fileFilter = {
    param($p, $d)
    $p.Plist.Request += $d
    if ($p.Plist.Request.IndexOf("`r`n`r`n") -lt 0) { return }
    Send-NetworkProcess $p "HTTP/1.0 200 OK`r`nContent-Type: application/octet-stream`r`nContent-Length: $($content.Length)`r`n`r`n"
    Send-NetworkProcess $p $content
    $script:answered++
    Remove-NetworkProcess $p
}

switch ($Kind) {
    # latin1: one character per byte, so RESP's byte lengths are string lengths.
    'Http' { $server = New-NetworkProcess -Name http -Server -Service 0 -Backlog $Backlog -Plist @{ Request = '' } -Filter $httpFilter }
    'Resp' { $server = New-NetworkProcess -Name resp -Server -Service 0 -Backlog $Backlog -Encoding latin1 -Plist @{ Pending = '' } -Filter $respFilter }
    'File' {
        $content = [IO.File]::ReadAllBytes((Resolve-Path $FilePath).Path)
        $server = New-NetworkProcess -Name file -Server -Service 0 -Backlog $Backlog -Plist @{ Request = '' } -Filter $fileFilter
    }
}

$stdin = [IO.StreamReader]::new([Console]::OpenStandardInput())
$out = [Console]::Out
$out.WriteLine("PORT $($server.Service)")
$out.Flush()

$filterWarnings = [System.Collections.Generic.List[object]]::new()
$command = $stdin.ReadLineAsync()
$lifetime = [System.Diagnostics.Stopwatch]::StartNew()
while ($lifetime.Elapsed.TotalSeconds -lt $MaxSeconds) {
    $null = Wait-NetworkProcess -Timeout 0.05 -WarningVariable +filterWarnings -WarningAction SilentlyContinue
    if (-not $command.IsCompleted) { continue }
    $line = $command.Result
    if ($null -eq $line -or $line -eq 'EXIT') { break }
    if ($line -eq 'STATS') {
        $errors = @($filterWarnings | ForEach-Object { "$_" })
        $out.WriteLine((ConvertTo-Json -Compress -InputObject ([ordered]@{
                        Answered         = $script:answered
                        Connections      = @(Get-NetworkProcess | Where-Object Kind -EQ 'Connection').Count
                        FilterErrors     = $errors.Count
                        FirstFilterError = if ($errors.Count) { $errors[0] } else { $null }
                    })))
        $out.Flush()
    }
    $command = $stdin.ReadLineAsync()
}
Remove-NetworkProcess -InputObject $server
