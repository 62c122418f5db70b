<#
.SYNOPSIS
    Writes the module's MAML cmdlet help (en-US/NetProc.PowerShell.dll-Help.xml), the file Get-Help reads.
.DESCRIPTION
    Two sources, one place each: parameter descriptions are the /// doc comments on the cmdlet properties (from the
    compiler's XML doc file; a parameter that cmdlets share through IDynamicParameters, such as the TLS ones, is
    described on the class of the object GetDynamicParameters returns); everything about a parameter that the code knows (sets, type, Mandatory, Position,
    pipeline input, aliases, default value) is read from the built module itself; the cmdlet's own text (synopsis,
    description, inputs, outputs, notes, examples, links) comes from help/<Verb-Noun>.psd1. A cmdlet without a text
    file or a parameter without a doc comment fails the build. Runs in a pwsh of its own (it imports the module).
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $DocFile,
    [Parameter(Mandatory)] [string] $SourceDir,
    [Parameter(Mandatory)] [string] $OutFile
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$module = Import-Module (Resolve-Path $ModulePath).Path -PassThru -Force
[xml] $docs = Get-Content -Raw $DocFile
# Common parameters have help of their own (about_CommonParameters); -WhatIf and -Confirm are listed with the cmdlet.
$commonParameters = [System.Management.Automation.PSCmdlet]::CommonParameters
$shouldProcessText = @{
    WhatIf  = 'Shows what would happen if the cmdlet runs. The cmdlet is not run.'
    Confirm = 'Prompts you for confirmation before running the cmdlet.'
}

# A cmdlet's own parameters in its order, -WhatIf and -Confirm last (PowerShell lists dynamic parameters after them).
function Select-HelpParameters($Parameters) {
    $Parameters | Where-Object Name -NotIn $commonParameters | Sort-Object -Stable { $shouldProcessText.ContainsKey($_.Name) }
}

# The text of a doc comment's <summary>, as a user reads it: code spans as plain text, whitespace made single.
function Get-DocText([string] $Member) {
    $node = $docs.SelectSingleNode("/doc/members/member[@name='$Member']/summary")
    if (-not $node) { return $null }
    foreach ($reference in @($node.SelectNodes('.//see | .//paramref | .//typeparamref'))) {
        $name = if ($reference.GetAttribute('cref')) { ($reference.GetAttribute('cref') -split '[.:]')[-1] } else { $reference.GetAttribute('name') }
        $null = $reference.ParentNode.ReplaceChild($docs.CreateTextNode($name), $reference)
    }
    ($node.InnerText -replace '\s+', ' ').Trim()
}

# The property that binds a parameter: the most derived one of that name (New-NetworkProcess's Host hides PSCmdlet.Host).
function Get-ParameterProperty([type] $Type, [string] $Name) {
    for ($t = $Type; $t; $t = $t.BaseType) {
        $property = $t.GetProperty($Name, [Reflection.BindingFlags]'Public, Instance, DeclaredOnly')
        if ($property) { return $property }
    }
    throw "$($Type.Name) has no property $Name"
}

function Get-TypeName([type] $Type) {
    $underlying = [Nullable]::GetUnderlyingType($Type)
    if ($underlying) { $Type = $underlying }
    $Type.Name
}

# The value a parameter has when it is not given, read from a fresh cmdlet (or its dynamic parameters); "None" when that says nothing.
function Get-DefaultText($Cmdlet, [Reflection.PropertyInfo] $Property) {
    $value = $Property.GetValue($Cmdlet)
    if ($value -is [System.Management.Automation.SwitchParameter]) { return 'False' }
    if ($null -eq $value -or ($value -is [string] -and $value -eq '')) { return 'None' }
    [string] $value
}

function Get-PipelineText($Parameters) {
    $ways = @()
    if ($Parameters.Where({ $_.ValueFromPipeline })) { $ways += 'ByValue' }
    if ($Parameters.Where({ $_.ValueFromPipelineByPropertyName })) { $ways += 'ByPropertyName' }
    if ($ways) { "True ($($ways -join ', '))" } else { 'False' }
}

function Add-Element([System.Xml.XmlNode] $Parent, [string] $Name, [string] $Text) {
    $prefix, $local = $Name -split ':'
    $element = $Parent.OwnerDocument.CreateElement($prefix, $local, $namespaces[$prefix])
    if ($PSBoundParameters.ContainsKey('Text')) { $element.InnerText = $Text }
    $Parent.AppendChild($element)
}

# Paragraphs: text split at blank lines, each paragraph's lines joined.
function Add-Paragraphs([System.Xml.XmlNode] $Parent, [string] $Text) {
    foreach ($paragraph in ($Text.Trim() -split '\r?\n\s*\r?\n')) {
        $null = Add-Element $Parent 'maml:para' (($paragraph -split '\r?\n' | ForEach-Object Trim) -join ' ')
    }
}

function Add-Parameter([System.Xml.XmlNode] $Parent, $Info, [string] $Description) {
    $node = Add-Element $Parent 'command:parameter'
    $node.SetAttribute('required', $Info.Required.ToString().ToLowerInvariant())
    $node.SetAttribute('variableLength', $Info.Type.IsArray.ToString().ToLowerInvariant())
    $node.SetAttribute('globbing', $Info.Globbing.ToString().ToLowerInvariant())
    $node.SetAttribute('pipelineInput', $Info.Pipeline)
    $node.SetAttribute('position', $Info.Position)
    $node.SetAttribute('aliases', $(if ($Info.Aliases) { $Info.Aliases -join ', ' } else { 'none' }))
    $null = Add-Element $node 'maml:name' $Info.Name
    Add-Paragraphs (Add-Element $node 'maml:description') $Description
    if ($Info.TypeName -ne 'SwitchParameter') {
        $value = Add-Element $node 'command:parameterValue' $Info.TypeName
        $value.SetAttribute('required', 'true')
        $value.SetAttribute('variableLength', $Info.Type.IsArray.ToString().ToLowerInvariant())
    }
    $type = Add-Element $node 'dev:type'
    $null = Add-Element $type 'maml:name' $Info.TypeName
    $null = Add-Element $type 'maml:uri' ''
    $null = Add-Element $node 'dev:defaultValue' $Info.Default
}

$namespaces = @{
    maml    = 'http://schemas.microsoft.com/maml/2004/10'
    command = 'http://schemas.microsoft.com/maml/dev/command/2004/10'
    dev     = 'http://schemas.microsoft.com/maml/dev/2004/10'
}
$help = [xml]::new()
$null = $help.AppendChild($help.CreateXmlDeclaration('1.0', 'utf-8', $null))
$root = $help.AppendChild($help.CreateElement('helpItems', 'http://msh'))
$root.SetAttribute('schema', 'maml')
foreach ($prefix in $namespaces.Keys) {
    $declaration = $help.CreateAttribute('xmlns', $prefix, 'http://www.w3.org/2000/xmlns/')
    $declaration.Value = $namespaces[$prefix]
    $null = $root.Attributes.Append($declaration)
}
$missing = [System.Collections.Generic.List[string]]::new()

# Get-Command's copies of the cmdlets list dynamic parameters in their parameter sets too (ExportedCmdlets' do not).
foreach ($command in Get-Command -Module $module.Name -CommandType Cmdlet | Sort-Object Name) {
    $sourceFile = Join-Path $SourceDir "$($command.Name).psd1"
    if (-not (Test-Path $sourceFile)) { $missing.Add("$($command.Name): no $sourceFile"); continue }
    $text = Import-PowerShellDataFile $sourceFile
    $type = $command.ImplementingType
    $fresh = [Activator]::CreateInstance($type)

    # Everything known about each parameter, across its sets.
    $parameters = [ordered]@{}
    foreach ($parameter in Select-HelpParameters $command.Parameters.Values) {
        if ($shouldProcessText.ContainsKey($parameter.Name)) {
            $property = $null
            $description = $shouldProcessText[$parameter.Name]
        } else {
            # A dynamic parameter is a property of the object the cmdlet returns for them (TlsParameters), read like its own.
            $holder = if ($parameter.IsDynamic) { $fresh.GetDynamicParameters() } else { $fresh }
            $property = Get-ParameterProperty $holder.GetType() $parameter.Name
            $description = Get-DocText "P:$($property.DeclaringType.FullName).$($property.Name)"
            if (-not $description) { $missing.Add("$($command.Name) -$($parameter.Name): no /// comment on $($property.DeclaringType.Name).$($property.Name)") }
        }
        $sets = @($parameter.ParameterSets.Values)
        $positions = @($sets.Position | Where-Object { $_ -ge 0 } | Sort-Object -Unique)
        $parameters[$parameter.Name] = [pscustomobject]@{
            Name        = $parameter.Name
            Type        = $parameter.ParameterType
            TypeName    = Get-TypeName $parameter.ParameterType
            Aliases     = @($parameter.Aliases)
            Globbing    = [bool]($parameter.Attributes.Where({ $_ -is [System.Management.Automation.SupportsWildcardsAttribute] }))
            Required    = -not $sets.Where({ -not $_.IsMandatory })
            Position    = if ($positions.Count) { [string]$positions[0] } else { 'named' }
            Pipeline    = Get-PipelineText $sets
            Default     = if ($property) { Get-DefaultText $holder $property } else { 'False' }
            Description = $description
        }
    }

    $node = Add-Element $root 'command:command'
    $details = Add-Element $node 'command:details'
    $null = Add-Element $details 'command:name' $command.Name
    $null = Add-Element $details 'command:verb' $command.Verb
    $null = Add-Element $details 'command:noun' $command.Noun
    Add-Paragraphs (Add-Element $details 'maml:description') $text.Synopsis
    Add-Paragraphs (Add-Element $node 'maml:description') $text.Description

    $syntax = Add-Element $node 'command:syntax'
    foreach ($set in $command.ParameterSets) {
        $item = Add-Element $syntax 'command:syntaxItem'
        $null = Add-Element $item 'maml:name' $command.Name
        foreach ($parameter in Select-HelpParameters $set.Parameters) {
            $info = $parameters[$parameter.Name].PSObject.Copy()
            $info.Required = $parameter.IsMandatory
            $info.Position = if ($parameter.Position -ge 0) { [string]$parameter.Position } else { 'named' }
            $info.Pipeline = Get-PipelineText @($parameter)
            Add-Parameter $item $info $info.Description
        }
    }

    $list = Add-Element $node 'command:parameters'
    foreach ($info in $parameters.Values) { Add-Parameter $list $info $info.Description }

    foreach ($kind in @(@('Inputs', 'command:inputTypes', 'command:inputType'), @('Outputs', 'command:returnValues', 'command:returnValue'))) {
        $group = Add-Element $node $kind[1]
        foreach ($entry in $text[$kind[0]]) {
            $value = Add-Element $group $kind[2]
            $null = Add-Element (Add-Element $value 'dev:type') 'maml:name' $entry.Type
            Add-Paragraphs (Add-Element $value 'maml:description') $entry.Description
        }
    }

    if ($text['Notes']) { Add-Paragraphs (Add-Element (Add-Element $node 'maml:alertSet') 'maml:alert') $text.Notes }

    $examples = Add-Element $node 'command:examples'
    $number = 0
    foreach ($example in $text.Examples) {
        $number++
        $entry = Add-Element $examples 'command:example'
        $null = Add-Element $entry 'maml:title' "-------------------------- Example $($number): $($example.Title) --------------------------"
        $null = Add-Element $entry 'dev:code' $example.Code.Trim()
        $remarks = Add-Element $entry 'dev:remarks'
        Add-Paragraphs $remarks $example.Remarks
        $null = Add-Element $remarks 'maml:para' ''   # a blank line before the next example
    }

    $links = Add-Element $node 'command:relatedLinks'
    foreach ($link in $text.Links) {
        $navigation = Add-Element $links 'maml:navigationLink'
        $null = Add-Element $navigation 'maml:linkText' $link
        $null = Add-Element $navigation 'maml:uri' ''
    }
}

if ($missing.Count) { throw "Cmdlet help is incomplete:`n  " + ($missing -join "`n  ") }
$null = New-Item -ItemType Directory -Force (Split-Path $OutFile)
$settings = [System.Xml.XmlWriterSettings]@{ Indent = $true; Encoding = [System.Text.UTF8Encoding]::new($false) }
$writer = [System.Xml.XmlWriter]::Create($OutFile, $settings)
try { $help.Save($writer) } finally { $writer.Dispose() }
Write-Host "Wrote $OutFile"
