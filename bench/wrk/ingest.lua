-- One new person per request (unique address per thread and counter) through the
-- ingestion API.
local counter = 0
local thread_id = 0
local threads = {}
function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end
function init(args)
  thread_id = id
end
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")
request = function()
  counter = counter + 1
  local body = string.format([[{"email":"wrk-%d-%d-%d@bench.test","name":"Bench Person","relationships":[{"entity":"claranet-benelux","role":"customer_contact","reference":"B-%d-%d","since":"2020-01-01"}],"records":[{"entity":"claranet-benelux","category":"contact","field":"phone","value":"+31 6 1234 5678","source":"provided","purposes":["rely-services"]},{"entity":"claranet-benelux","category":"contact","field":"city","value":"Utrecht","source":"provided"}],"preferences":[{"entity":"claranet-benelux","channel":"email","granted":true,"at":"2024-01-01T00:00:00Z"}]}]],
    os.time(), thread_id, counter, thread_id, counter)
  return wrk.format(nil, nil, nil, body)
end
