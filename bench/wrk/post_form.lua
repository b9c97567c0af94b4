-- POSTs a form with the session cookie and CSRF token from the environment; when
-- ALTERNATE is set, every other request sends granted=true instead of granted=false
-- (so each save is a real change).
local body = os.getenv("BODY")
local alternate = os.getenv("ALTERNATE")
local counter = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Cookie"] = os.getenv("COOKIE")
request = function()
  counter = counter + 1
  local b = body
  if alternate and counter % 2 == 0 then
    b = string.gsub(body, "granted=false", "granted=true")
  end
  return wrk.format(nil, nil, nil, b)
end
