// The two event names webhooks add to the log's types, for the contract, the service and the dispatcher.

/** Every type, present and future. */
export const ALL_EVENTS = "*";

/** Sent by POST /webhooks/{id}/test to that endpoint only; not in the event log. */
export const TEST_EVENT_TYPE = "webhook.test";
