DROP TABLE propagation_tasks;
DROP TABLE rights_request_items;
DROP TABLE rights_requests;
DROP TABLE processor_users;
DROP TABLE staff_users;
