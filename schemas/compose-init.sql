-- Creates snowpatrol's own database next to Temporal's in the compose Postgres (first start only).
CREATE USER snowpatrol WITH PASSWORD 'snowpatrol';
CREATE DATABASE snowpatrol OWNER snowpatrol;
