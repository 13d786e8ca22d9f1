/** A JSON value. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** A JSON object, as carried in a call's `metadata`. */
export type JsonObject = { [key: string]: JsonValue };
