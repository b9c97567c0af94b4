DROP TABLE staff_actions;
