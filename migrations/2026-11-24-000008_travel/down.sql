DROP TABLE inbound_messages;
DROP TABLE outbox;
DROP TABLE travel_documents;
DROP TABLE travel_requests;
