// Calendar dates as the tracker, the course and the reports write them: YYYY-MM-DD in UTC.

/** A date as YYYY-MM-DD (UTC). */
export const isoDate = (date: Date): string => date.toISOString().slice(0, 10);

/** Today as YYYY-MM-DD (UTC). */
export const today = (): string => isoDate(new Date());
