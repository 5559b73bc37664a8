-- wrk script for tests/load/compare-builds.sh: every request PUTs a new Patient (a distinct id per thread and
-- request, so each is a create: a new version, its index entries, one commit). PREFIX (environment) keeps runs apart.
local threads = {}
local prefix = os.getenv("PREFIX") or "w"

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

local counter = 0
function request()
  counter = counter + 1
  local id = prefix .. "-" .. tid .. "-" .. counter
  local body = '{"resourceType":"Patient","id":"' .. id .. '","active":true,'
    .. '"identifier":[{"system":"urn:dsn:mrn:bench","value":"' .. id .. '"}],'
    .. '"name":[{"family":"Banc","given":["Élise","W' .. counter .. '"]}],'
    .. '"gender":"female","birthDate":"1980-01-01",'
    .. '"address":[{"line":["1234 rue Fictive"],"city":"Montréal","state":"QC","postalCode":"H2X 1Y4"}]}'
  return wrk.format("PUT", "/Patient/" .. id, { ["Content-Type"] = "application/fhir+json" }, body)
end
