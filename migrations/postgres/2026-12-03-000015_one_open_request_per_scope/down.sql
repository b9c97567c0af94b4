DROP INDEX rights_requests_one_open;
