<#
.SYNOPSIS
    Benchmark 8: real third-party peers against NetProc servers: ab and wrk (HTTP), redis-benchmark (RESP), curl
    downloads checked by SHA-256.
.DESCRIPTION
    The NetProc servers are bench/Interop-NetProcServer.ps1, each in a child pwsh of its own: a filter that accumulates a
    connection's input in its Plist, answers with Send-NetworkProcess, and (HTTP/1.0 without keep-alive, file downloads)
    Remove-NetworkProcess after the response; a Wait-NetworkProcess loop drives it. The baselines are raw .NET servers
    answering the same bytes (C# in bench/BenchInteropPeers.cs: async accept loops, an orderly close), on the thread
    pool of this process, loaded by the same peer in the same run. Before its figures, each server is warmed up by the
    same peers (5 s per protocol, -Quick 1 s; one download for curl).
      HTTP    ab -n N -c 8 (a new connection per request; the server closes it), ab -k (keep-alive: the server keeps
              the connection and sends Content-Length), wrk -t 2 -c 8 for a few seconds (HTTP/1.1 keep-alive).
              Reported: requests/s, failed requests, non-2xx responses, "Connection reset by peer" seen by the peer.
              ab runs with -r (a receive error is counted, not fatal) and -s 10; when ab aborts anyway (a socket
              timeout), the requests it completed and its last error are reported instead of its summary.
      RESP    redis-benchmark -t ping,set,get -n N -c 8 -q, then the same with -P 16 (pipelining); requests/s per test
              and every error line it printed. A redis-cli SET/GET round trip checks the answers first.
      curl    a seeded random file (64 MiB) served over HTTP/1.0 with Content-Length, then the connection is removed
              (raw: closed orderly); downloads one at a time and several in parallel. Every download's SHA-256 is
              compared with the source: a mismatch or a short download is data loss, and the script exits 2.
    Each peer is installed with apt-get when missing (root or password-less sudo); a peer that cannot be installed
    skips its part with a line saying so. Every peer runs under timeout(1): a stuck peer cannot hang the benchmark.
    Failures of the peer (resets, aborted runs) are data: they show in the table and the Met column (target: no
    failed request), not as a crash. The exit code is 2 on data loss, 1 when a part could not be run at all.
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [switch] $Quick,
    [string] $ResultPath,
    # Seconds any one peer run may take before it is killed.
    [int] $PeerTimeout = 120
)
. (Join-Path $PSScriptRoot 'BenchCommon.ps1')
$ModulePath = (Resolve-Path $ModulePath).Path
if (-not ('NetProcBench.RawHttpServer' -as [type])) { Add-Type -Path (Join-Path $PSScriptRoot 'BenchServerPeers.cs'), (Join-Path $PSScriptRoot 'BenchInteropPeers.cs') }

$abRequests = if ($Quick) { 1000 } else { 5000 }
$concurrency = 8
$wrkSeconds = if ($Quick) { 3 } else { 5 }
$redisRequests = if ($Quick) { 2000 } else { 20000 }
$pipeline = 16
$fileMiB = if ($Quick) { 16 } else { 64 }
$sequentialDownloads = if ($Quick) { 2 } else { 3 }
$parallelDownloads = 4
$backlog = 128
# Each server is warmed up this long per protocol first: JIT tiering of NetProc's paths and PowerShell's compiling of the
# filter take tens of thousands of requests (without it the first ab run is half as fast as the fifth).
$warmupSeconds = if ($Quick) { 1 } else { 5 }
$body = "Hello from the interop benchmark`n"
$serverScript = Join-Path $PSScriptRoot 'Interop-NetProcServer.ps1'
$pwsh = @(Get-PwshCommand)
$dataLoss = [System.Collections.Generic.List[string]]::new()
$brokenParts = [System.Collections.Generic.List[string]]::new()

# Peers: install when missing, run with a time limit (Start-Peer, Wait-Peer, Invoke-Peer, Confirm-Peer).
. (Join-Path $PSScriptRoot 'BenchExternalPeers.ps1')

# --- the NetProc servers, each in a child pwsh ---------------------------------------------------------------------------
function Start-NetProcServer([string] $Kind, [string] $FilePath) {
    $psi = [System.Diagnostics.ProcessStartInfo]::new($pwsh[0])
    $arguments = @($pwsh | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-File', $serverScript, '-ModulePath', $ModulePath,
        '-Kind', $Kind, '-Backlog', "$backlog", '-Body', $body)
    if ($FilePath) { $arguments += @('-FilePath', $FilePath) }
    foreach ($a in $arguments) { $psi.ArgumentList.Add($a) }
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardInput = $true
    $psi.RedirectStandardError = $true
    $psi.UseShellExecute = $false
    $p = [System.Diagnostics.Process]::Start($psi)
    $p.StandardInput.AutoFlush = $true
    $server = [pscustomobject]@{ Process = $p; Err = $p.StandardError.ReadToEndAsync(); Port = 0; Kind = $Kind }
    try {
        $first = Read-ServerLine $server 60
        if ($first -notmatch '^PORT (\d+)$') { throw "NetProc $Kind server: $first" }
    }
    catch {
        Stop-NetProcServer $server
        throw
    }
    $server.Port = [int]$Matches[1]
    $server
}

function Read-ServerLine($Server, [int] $TimeoutSeconds = 30) {
    $task = $Server.Process.StandardOutput.ReadLineAsync()
    if (-not $task.Wait($TimeoutSeconds * 1000)) { throw "the NetProc $($Server.Kind) server said nothing for $TimeoutSeconds s" }
    if ($null -eq $task.Result) {
        $null = $Server.Process.WaitForExit(5000)
        throw "the NetProc $($Server.Kind) server exited: $($Server.Err.Result.Trim())"
    }
    $task.Result
}

# What the server has answered so far, its open connections and its filter errors.
function Get-ServerStats($Server) {
    if ($Server -is [NetProcBench.RawInteropServer]) {
        return [pscustomobject]@{ Answered = $Server.Answered; Connections = $null; FilterErrors = $Server.FailedConnections; FirstFilterError = $Server.FirstError }
    }
    $Server.Process.StandardInput.WriteLine('STATS')
    Read-ServerLine $Server | ConvertFrom-Json
}

function Stop-NetProcServer($Server) {
    try { $Server.Process.StandardInput.WriteLine('EXIT') } catch { }
    if (-not $Server.Process.WaitForExit(15000)) { $Server.Process.Kill($true) }
    $Server.Process.Dispose()
}

function Stop-Server($Server) {
    if ($null -eq $Server) { return }
    if ($Server -is [NetProcBench.RawInteropServer]) { $Server.Dispose() } else { Stop-NetProcServer $Server }
}

# Runs $Measure against both servers, NetProc first, each followed by what its server counted meanwhile.
function Measure-Both($Servers, [scriptblock] $Measure) {
    $result = [ordered]@{}
    foreach ($name in $Servers.Keys) {
        $server = $Servers[$name]
        $before = Get-ServerStats $server
        $r = & $Measure $server.Port
        $after = Get-ServerStats $server
        $r | Add-Member -NotePropertyName ServerAnswered -NotePropertyValue ($after.Answered - $before.Answered)
        $r | Add-Member -NotePropertyName ServerErrors -NotePropertyValue ($after.FilterErrors - $before.FilterErrors)
        $r | Add-Member -NotePropertyName ServerFirstError -NotePropertyValue $after.FirstFilterError
        $result[$name] = $r
    }
    $result
}

# Runs each of $Runs (taking a port) against every server, round after round, until $warmupSeconds have passed.
function Invoke-Warmup($Servers, [scriptblock[]] $Runs) {
    foreach ($server in $Servers.Values) {
        $clock = [System.Diagnostics.Stopwatch]::StartNew()
        do { foreach ($run in $Runs) { $null = & $run $server.Port } } while ($clock.Elapsed.TotalSeconds -lt $warmupSeconds)
    }
}

function Format-Ratio([double] $NetProc, [double] $Baseline) { if ($Baseline -gt 0) { Format-Num ($NetProc / $Baseline) 'N2' } else { '' } }

function Get-MatchCount([string] $Text, [string] $Pattern) { ([regex]::Matches($Text, $Pattern)).Count }

# --- HTTP ------------------------------------------------------------------------------------------------------------------
function Read-Ab($Run) {
    $o = $Run.Out
    $r = [ordered]@{
        Rate = 0.0; Complete = 0; Failed = 0; Breakdown = ''; Non2xx = 0; KeepAlive = 0
        Resets = Get-MatchCount $Run.Err 'Connection reset by peer'; Aborted = ''
    }
    if ($o -match 'Complete requests:\s+(\d+)') {
        $r.Complete = [int]$Matches[1]
        if ($o -match 'Failed requests:\s+(\d+)') { $r.Failed = [int]$Matches[1] }
        if ($o -match '\((Connect: \d+, Receive: \d+, Length: \d+, Exceptions: \d+)\)') { $r.Breakdown = $Matches[1] }
        if ($o -match 'Non-2xx responses:\s+(\d+)') { $r.Non2xx = [int]$Matches[1] }
        if ($o -match 'Keep-Alive requests:\s+(\d+)') { $r.KeepAlive = [int]$Matches[1] }
        if ($o -match 'Requests per second:\s+([\d.]+)') { $r.Rate = [double]::Parse($Matches[1], $script:Invariant) }
    }
    else {
        # ab gave up before its summary: what it completed (its progress lines) and why it stopped.
        # Its progress lines count finished requests, failed ones included, in steps of a tenth; each reset it saw
        # was a failed request.
        $progress = [regex]::Matches($Run.Err + $o, 'Completed (\d+) requests')
        if ($progress.Count) { $r.Complete = [int]$progress[$progress.Count - 1].Groups[1].Value }
        $r.Failed = $r.Resets
        $last = @(($Run.Err -split "`n") | Where-Object { $_.Trim() -and $_ -notmatch '^(Completed|Finished) \d+ requests' -and
                $_ -notmatch 'Connection reset by peer' })
        $r.Aborted = if ($Run.TimedOut) { "killed after $PeerTimeout s" } elseif ($last.Count) { $last[-1].Trim() } else { "exit $($Run.ExitCode)" }
        $r.Rate = if ($Run.Seconds -gt 0) { $r.Complete / $Run.Seconds } else { 0 }
    }
    [pscustomobject]$r
}

function Read-Wrk($Run) {
    $o = $Run.Out
    $r = [ordered]@{ Rate = 0.0; Complete = 0; Failed = 0; Breakdown = ''; Non2xx = 0; Resets = 0; Aborted = '' }
    if ($o -match 'Requests/sec:\s+([\d.]+)') { $r.Rate = [double]::Parse($Matches[1], $script:Invariant) }
    else { $r.Aborted = if ($Run.TimedOut) { "killed after $PeerTimeout s" } else { "exit $($Run.ExitCode): $(($Run.Err + $o).Trim())" } }
    if ($o -match '(\d+) requests in') { $r.Complete = [int]$Matches[1] }
    if ($o -match 'Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)') {
        $r.Failed = [int]$Matches[1] + [int]$Matches[2] + [int]$Matches[3] + [int]$Matches[4]
        $r.Breakdown = "connect $($Matches[1]), read $($Matches[2]), write $($Matches[3]), timeout $($Matches[4])"
        # wrk prints no errno: a reset, like a close before the response ended, is one of its read errors.
        $r.Resets = [int]$Matches[2]
    }
    if ($o -match 'Non-2xx or 3xx responses:\s+(\d+)') { $r.Non2xx = [int]$Matches[1] }
    [pscustomobject]$r
}

function Format-HttpFigure($r) {
    if ($r.Aborted) { return "$(Format-Num $r.Rate 'N0') (ABORTED after $($r.Complete) requests: $($r.Aborted); failed >= $($r.Failed), resets $($r.Resets))" }
    "$(Format-Num $r.Rate 'N0') (failed $($r.Failed), non-2xx $($r.Non2xx), resets $($r.Resets))"
}

function Test-HttpClean($r) { -not $r.Aborted -and $r.Failed -eq 0 -and $r.Non2xx -eq 0 -and $r.Resets -eq 0 }

function Measure-Http {
    $haveAb = Confirm-Peer ab apache2-utils
    $haveWrk = Confirm-Peer wrk wrk
    if (-not $haveAb -and -not $haveWrk) { return }
    $servers = [ordered]@{ NetProc = $null; 'raw C#' = $null }
    try {
        $servers['NetProc'] = Start-NetProcServer Http
        $servers['raw C#'] = [NetProcBench.RawHttpServer]::new($backlog, $body)
        $workloads = [System.Collections.Generic.List[object]]::new()
        if ($haveAb) {
            Invoke-Warmup $servers @(
                { param($port) Invoke-Peer @('ab', '-k', '-q', '-n', '2000', '-c', "$concurrency", "http://127.0.0.1:$port/") }
                { param($port) Invoke-Peer @('ab', '-q', '-r', '-s', '2', '-n', '500', '-c', "$concurrency", "http://127.0.0.1:$port/") })
            $workloads.Add(@{ Label = "ab -n $abRequests -c $concurrency, a connection per request, server closes (req/s)"; Peer = 'ab'
                    Args = @('ab', '-r', '-v', '1', '-s', '10', '-n', "$abRequests", '-c', "$concurrency") })
            $workloads.Add(@{ Label = "ab -k -n $abRequests -c $concurrency, keep-alive (req/s)"; Peer = 'ab'
                    Args = @('ab', '-k', '-r', '-v', '1', '-s', '10', '-n', "$abRequests", '-c', "$concurrency") })
        }
        if ($haveWrk) {
            $workloads.Add(@{ Label = "wrk -t 2 -c $concurrency -d $wrkSeconds s, HTTP/1.1 keep-alive (req/s)"; Peer = 'wrk'
                    Args = @('wrk', '-t', '2', '-c', "$concurrency", '-d', "${wrkSeconds}s", '--timeout', '10s') })
        }
        Write-Host ''
        Write-Host "HTTP: a $($body.Length)-byte text body with Content-Length; listen backlog $backlog on both servers"
        Write-Host ('{0,-8} {1,-62} {2,10} {3,9} {4,8} {5,8} {6,8} {7,9}  {8}' -f 'server', 'peer', 'req/s', 'complete', 'failed',
            'non-2xx', 'resets', 'answered', 'detail')
        foreach ($w in $workloads) {
            $peerArgs = $w.Args
            $parse = if ($w.Peer -eq 'ab') { ${function:Read-Ab} } else { ${function:Read-Wrk} }
            $r = Measure-Both $servers { param($port) & $parse (Invoke-Peer ($peerArgs + "http://127.0.0.1:$port/")) }
            foreach ($name in $r.Keys) {
                $x = $r[$name]
                $detail = @($x.Breakdown, $(if ($x.Aborted) { "ABORTED: $($x.Aborted)" }),
                    $(if ($x.ServerErrors) { "the server saw $($x.ServerErrors) errors, first: $($x.ServerFirstError)" })) | Where-Object { $_ }
                Write-Host ('{0,-8} {1,-62} {2,10} {3,9} {4,8} {5,8} {6,8} {7,9}  {8}' -f $name, $w.Label, (Format-Num $x.Rate 'N0'),
                    $x.Complete, $(if ($x.Aborted) { ">= $($x.Failed)" } else { $x.Failed }), $x.Non2xx, $x.Resets, $x.ServerAnswered, ($detail -join '; '))
            }
            $np = $r['NetProc']; $raw = $r['raw C#']
            Add-BenchResult "8 HTTP $($w.Label)" (Format-HttpFigure $np) "$(Format-HttpFigure $raw) raw C#" (Format-Ratio $np.Rate $raw.Rate) `
                '0 failed' (Test-HttpClean $np)
        }
    }
    finally {
        foreach ($s in $servers.Values) { Stop-Server $s }
    }
}

# --- RESP ------------------------------------------------------------------------------------------------------------------
function Read-RedisBenchmark($Run) {
    $rates = [ordered]@{}
    foreach ($m in [regex]::Matches($Run.Out, '(?m)(?:^|\r)([A-Z_]+): ([\d.]+) requests per second')) {
        $rates[$m.Groups[1].Value] = [double]::Parse($m.Groups[2].Value, $script:Invariant)
    }
    $errors = @((($Run.Out + "`n" + $Run.Err) -split "[`r`n]+") | Where-Object { $_ -match 'error|reset|WARN|could not' } |
            ForEach-Object { $_.Trim() } | Select-Object -Unique)
    [pscustomobject]@{
        Rates = $rates; Errors = $errors
        Aborted = if ($Run.TimedOut) { "killed after $PeerTimeout s" } elseif ($Run.ExitCode -ne 0) { "exit $($Run.ExitCode)" } else { '' }
    }
}

function Test-RespAnswers([int] $Port) {
    if (-not (Get-Command redis-cli -CommandType Application -ErrorAction SilentlyContinue)) { return 'no redis-cli' }
    $set = (Invoke-Peer @('redis-cli', '-p', "$Port", 'SET', 'interop:check', 'value 42') 20).Out.Trim()
    $get = (Invoke-Peer @('redis-cli', '-p', "$Port", 'GET', 'interop:check') 20).Out.Trim()
    $ping = (Invoke-Peer @('redis-cli', '-p', "$Port", 'PING') 20).Out.Trim()
    if ($set -eq 'OK' -and $get -eq 'value 42' -and $ping -eq 'PONG') { 'ok' } else { "WRONG (SET: '$set', GET: '$get', PING: '$ping')" }
}

function Measure-Resp {
    if (-not (Confirm-Peer redis-benchmark redis-tools)) { return }
    $servers = [ordered]@{ NetProc = $null; 'raw C#' = $null }
    try {
        $servers['NetProc'] = Start-NetProcServer Resp
        $servers['raw C#'] = [NetProcBench.RawRespServer]::new($backlog)
        $checks = [ordered]@{}
        foreach ($name in $servers.Keys) { $checks[$name] = Test-RespAnswers $servers[$name].Port }
        Invoke-Warmup $servers @(
            { param($port) Invoke-Peer @('redis-benchmark', '-p', "$port", '-t', 'ping,set,get', '-n', '2000', '-c', "$concurrency", '-q') }
            { param($port) Invoke-Peer @('redis-benchmark', '-p', "$port", '-t', 'ping,set,get', '-n', '2000', '-c', "$concurrency", '-P', "$pipeline", '-q') })
        Write-Host ''
        Write-Host ("RESP: redis-benchmark -t ping,set,get -n {0} -c {1} -q, then with -P {2}; the baseline is a raw C# RESP responder (not redis-server)" -f `
                $redisRequests, $concurrency, $pipeline)
        Write-Host ("redis-cli SET/GET/PING answers: NetProc {0}, raw C# {1}" -f $checks['NetProc'], $checks['raw C#'])
        foreach ($depth in 1, $pipeline) {
            $peerArgs = @('redis-benchmark', '-t', 'ping,set,get', '-n', "$redisRequests", '-c', "$concurrency", '-q')
            if ($depth -gt 1) { $peerArgs += @('-P', "$depth") }
            $r = Measure-Both $servers { param($port) Read-RedisBenchmark (Invoke-Peer ($peerArgs + @('-p', "$port"))) }
            $tests = @($r['NetProc'].Rates.Keys) + @($r['raw C#'].Rates.Keys) | Select-Object -Unique
            $heads = ($tests | ForEach-Object { '{0,14}' -f $_ }) -join ' '
            Write-Host ('{0,-8} {1,-5} {2}  {3,8}  {4}' -f 'server', 'depth', $heads, 'answered', 'errors')
            foreach ($name in $r.Keys) {
                $x = $r[$name]
                $cells = $tests | ForEach-Object { '{0,14}' -f $(if ($x.Rates.Contains($_)) { Format-Num $x.Rates[$_] 'N0' } else { '-' }) }
                $problems = @($x.Errors) + @($(if ($x.Aborted) { "ABORTED: $($x.Aborted)" })) + @($(if ($x.ServerErrors) { "the server saw $($x.ServerErrors) errors, first: $($x.ServerFirstError)" })) |
                    Where-Object { $_ }
                Write-Host ('{0,-8} {1,-5} {2}  {3,8}  {4}' -f $name, "-P $depth", ($cells -join ' '), $x.ServerAnswered, ($problems -join ' | '))
            }
            $np = $r['NetProc']; $raw = $r['raw C#']
            $clean = -not $np.Aborted -and $np.Errors.Count -eq 0 -and $np.Rates.Count -ge 4 -and $checks['NetProc'] -eq 'ok'
            foreach ($test in 'PING_INLINE', 'PING_MBULK', 'SET', 'GET') {
                $npRate = if ($np.Rates.Contains($test)) { $np.Rates[$test] } else { 0 }
                $rawRate = if ($raw.Rates.Contains($test)) { $raw.Rates[$test] } else { 0 }
                $why = @(@($np.Errors) + @($np.Aborted) | Where-Object { $_ }) | Select-Object -First 1
                $npText = if ($np.Rates.Contains($test)) { Format-Num $npRate 'N0' } else { "none ($why)" }
                Add-BenchResult "8 RESP redis-benchmark -c $concurrency -P $depth $test (req/s)" $npText `
                    "$(Format-Num $rawRate 'N0') raw C# responder" (Format-Ratio $npRate $rawRate) 'no errors' $clean
            }
        }
    }
    finally {
        foreach ($s in $servers.Values) { Stop-Server $s }
    }
}

# --- curl downloads --------------------------------------------------------------------------------------------------------
function New-SourceFile([string] $Path, [int] $MiB) {
    $random = [Random]::new(8)
    $block = [byte[]]::new(1MB)
    $f = [IO.File]::Create($Path)
    try {
        for ($i = 0; $i -lt $MiB; $i++) { $random.NextBytes($block); $f.Write($block, 0, $block.Length) }
    }
    finally { $f.Dispose() }
}

function Start-Download([int] $Port, [string] $Path) {
    Start-Peer @('curl', '-s', '-S', '--max-time', "$PeerTimeout", '-o', $Path, '-w', '%{http_code} %{size_download} %{time_total}',
        "http://127.0.0.1:$Port/")
}

# One finished download: its size, time, curl's verdict and whether its SHA-256 is the source's.
function Complete-Download($Peer, [string] $Path, [string] $Expected) {
    $run = Wait-Peer $Peer
    $size = 0L; $seconds = $run.Seconds; $status = ''
    if ($run.Out -match '^(\d+) (\d+) ([\d.]+)') {
        $status = $Matches[1]; $size = [long]$Matches[2]; $seconds = [double]::Parse($Matches[3], $script:Invariant)
    }
    $hash = if (Test-Path $Path) { (Get-FileHash -Algorithm SHA256 -LiteralPath $Path).Hash } else { '' }
    Remove-Item -LiteralPath $Path -ErrorAction SilentlyContinue
    [pscustomobject]@{
        ExitCode = $run.ExitCode; Status = $status; Bytes = $size; Seconds = $seconds; Intact = $hash -eq $Expected
        Error = ($run.Err.Trim() -split "`n")[0]; Resets = Get-MatchCount $run.Err 'reset by peer'
    }
}

function Measure-Downloads([int] $Port, [string] $Expected, [int] $Count, [switch] $Parallel) {
    $clock = [System.Diagnostics.Stopwatch]::StartNew()
    $paths = @(1..$Count | ForEach-Object { Join-Path ([IO.Path]::GetTempPath()) "netproc-interop-$PID-$_.bin" })
    $downloads = if ($Parallel) {
        $peers = @($paths | ForEach-Object { Start-Download $Port $_ })
        for ($i = 0; $i -lt $Count; $i++) { Complete-Download $peers[$i] $paths[$i] $Expected }
    }
    else {
        foreach ($path in $paths) { Complete-Download (Start-Download $Port $path) $path $Expected }
    }
    $wall = $clock.Elapsed.TotalSeconds
    $bytes = ($downloads | Measure-Object Bytes -Sum).Sum
    # One at a time: bytes over the sum of curl's own transfer times; in parallel: over the wall time of them all.
    $seconds = if ($Parallel) { $wall } else { ($downloads | Measure-Object Seconds -Sum).Sum }
    [pscustomobject]@{
        Downloads = @($downloads); Intact = @($downloads | Where-Object Intact).Count; Count = $Count
        Rate = if ($seconds -gt 0) { $bytes / $seconds / 1e6 } else { 0 }
        Resets = ($downloads | Measure-Object Resets -Sum).Sum
        Errors = @($downloads | Where-Object { $_.ExitCode -ne 0 } | ForEach-Object { "curl exit $($_.ExitCode): $($_.Error)" } | Select-Object -Unique)
    }
}

function Measure-Curl {
    if (-not (Confirm-Peer curl curl)) { return }
    $source = Join-Path ([IO.Path]::GetTempPath()) "netproc-interop-$PID-source.bin"
    $servers = [ordered]@{ NetProc = $null; 'raw C#' = $null }
    try {
        New-SourceFile $source $fileMiB
        $expected = (Get-FileHash -Algorithm SHA256 -LiteralPath $source).Hash
        $servers['NetProc'] = Start-NetProcServer File $source
        $servers['raw C#'] = [NetProcBench.RawFileServer]::new($backlog, [IO.File]::ReadAllBytes($source))
        $null = Measure-Both $servers { param($port) Measure-Downloads $port $expected 1 } # warm-up
        Write-Host ''
        Write-Host ("curl: a {0} MiB seeded random file (SHA-256 {1}...) over HTTP/1.0 with Content-Length; NetProc removes the" -f `
                $fileMiB, $expected.Substring(0, 16))
        Write-Host 'connection after sending, raw C# closes orderly (shutdown, then waits for the client''s close)'
        Write-Host ('{0,-8} {1,-34} {2,10} {3,8} {4,8}  {5}' -f 'server', 'downloads', 'MB/s', 'intact', 'resets', 'curl errors')
        foreach ($parallel in $false, $true) {
            $count = if ($parallel) { $parallelDownloads } else { $sequentialDownloads }
            $label = if ($parallel) { "$count x $fileMiB MiB in parallel" } else { "$count x $fileMiB MiB one at a time" }
            $r = Measure-Both $servers { param($port) Measure-Downloads $port $expected $count -Parallel:$parallel }
            foreach ($name in $r.Keys) {
                $x = $r[$name]
                Write-Host ('{0,-8} {1,-34} {2,10} {3,8} {4,8}  {5}' -f $name, $label, (Format-Num $x.Rate 'N0'), "$($x.Intact)/$($x.Count)",
                    $x.Resets, ($x.Errors -join ' | '))
                foreach ($d in $x.Downloads | Where-Object { -not $_.Intact }) {
                    $dataLoss.Add("$name, $label`: got $($d.Bytes) of $($fileMiB * 1MB) bytes, SHA-256 $(if ($d.Bytes -eq $fileMiB * 1MB) { 'differs' } else { 'of a short file' }), curl exit $($d.ExitCode)")
                }
            }
            $np = $r['NetProc']; $raw = $r['raw C#']
            $intact = $np.Intact -eq $np.Count
            Add-BenchResult "8 curl $label (MB/s)" "$(Format-Num $np.Rate 'N0') ($($np.Intact)/$($np.Count) intact)" `
                "$(Format-Num $raw.Rate 'N0') ($($raw.Intact)/$($raw.Count) intact) raw C#" (Format-Ratio $np.Rate $raw.Rate) 'SHA-256 all match' $intact `
                $(if ($np.Errors.Count) { $np.Errors -join ' | ' } else { '' })
        }
    }
    finally {
        foreach ($s in $servers.Values) { Stop-Server $s }
        Remove-Item -LiteralPath $source -ErrorAction SilentlyContinue
    }
}

# --- run -------------------------------------------------------------------------------------------------------------------
$moduleCommit = & git -C (Split-Path $ModulePath) log -1 --format='%h %s' 2>$null
Write-Host ("Interop with real peers; NetProc servers in child pwsh processes, module {0}{1}" -f $ModulePath,
    $(if ($moduleCommit) { " (checkout at $moduleCommit)" } else { '' }))
foreach ($part in 'Measure-Http', 'Measure-Resp', 'Measure-Curl') {
    try { & $part }
    catch {
        $brokenParts.Add("$part`: $_")
        Write-Host "PART FAILED: $part`: $_"
        Write-Host $_.ScriptStackTrace
    }
}

Complete-Bench $ResultPath
if ($dataLoss.Count) {
    Write-Host ''
    Write-Host 'DATA LOSS:'
    foreach ($line in $dataLoss) { Write-Host "  $line" }
    exit 2
}
if ($brokenParts.Count) { exit 1 }
