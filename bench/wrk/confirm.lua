-- Confirms open tasks through the processor API, each once: TASKS names a file of
-- "<processor API token> <task id>" lines. wrk runs 2 threads; each takes every other
-- line. Once the lines run out, requests repeat tasks (answered 409 and counted).
local threads = {}
function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end
local tasks = {}
local next_one = 1
function init(args)
  local i = 0
  for line in io.lines(os.getenv("TASKS")) do
    if i % 2 == id then
      local token, task = line:match("^(%S+) (%S+)$")
      table.insert(tasks, { token = token, id = task })
    end
    i = i + 1
  end
end
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
request = function()
  local t = tasks[((next_one - 1) % #tasks) + 1]
  next_one = next_one + 1
  wrk.headers["Authorization"] = "Bearer " .. t.token
  wrk.headers["Idempotency-Key"] = "bench-" .. t.id
  return wrk.format(nil, "/api/processor/v1/tasks/" .. t.id .. "/confirm", nil, "{\"reference\":\"bench\"}")
end
