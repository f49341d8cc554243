// Small shared facts for scenario assertions.
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const YEAR = 365 * 86400;
/** Valid v4 UUIDs for seeding state. */
export const A = '0f8fad5b-d9cb-469f-a165-70867728950e';
export const B = '1b9d6bcd-bbfd-4b2d-9b5d-ab8dfbbd4bed';
