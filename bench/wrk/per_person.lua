-- POSTs a form as a different signed-in person each time: TOKENS names a file of
-- "<session token> <csrf token>" lines (bench/sessions.py), BODY the form fields
-- without the csrf one. wrk runs 2 threads; each takes every other line, so no person
-- is used twice. Once the lines run out, requests repeat people (and are refused).
local threads = {}
function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end
local people = {}
local next_one = 1
function init(args)
  local i = 0
  for line in io.lines(os.getenv("TOKENS")) do
    if i % 2 == id then
      local token, csrf = line:match("^(%S+) (%S+)$")
      table.insert(people, { token = token, csrf = csrf })
    end
    i = i + 1
  end
end
local body = os.getenv("BODY")
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
request = function()
  local p = people[((next_one - 1) % #people) + 1]
  next_one = next_one + 1
  wrk.headers["Cookie"] = "portal_session=" .. p.token
  return wrk.format(nil, nil, nil, "csrf=" .. p.csrf .. "&" .. body)
end
