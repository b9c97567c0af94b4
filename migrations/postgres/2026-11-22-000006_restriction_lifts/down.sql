DROP TABLE restriction_lifts;
