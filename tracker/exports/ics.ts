// The study plan as iCalendar (RFC 5545): one all-day VEVENT per week block, one VTODO per
// active goal. ical-generator writes the events; it has no VTODO, so those lines are written
// here, escaped and folded at 75 octets with CRLF like the rest.
import { createHash } from "node:crypto";
import ical from "ical-generator";
import type { StudyPlan } from "../reports/plan.js";
import { addDays } from "../reports/plan.js";

export interface IcsOptions {
  /** DTSTAMP of every component; defaults to now. Pass one for byte-stable output. */
  stamp?: Date | string;
  /** Right-hand side of the UIDs. */
  domain?: string;
}

export const ICS_PRODID = "-//Parallab//Study plan//EN";

/** UIDs must not change between exports so calendars update events instead of duplicating them. */
function uidPrefix(learner: string): string {
  return `parallab-${createHash("sha256").update(learner).digest("hex").slice(0, 16)}`;
}

const uidPart = (s: string): string => s.replace(/[^A-Za-z0-9._-]/g, "_");

export function planItemUid(learner: string, kind: string, id: string, part: number, domain = "parallab"): string {
  return `${uidPrefix(learner)}-${uidPart(kind)}-${uidPart(id)}-${part}@${domain}`;
}

export function goalUid(learner: string, goalId: number, domain = "parallab"): string {
  return `${uidPrefix(learner)}-goal-${goalId}@${domain}`;
}

/** TEXT value escaping (RFC 5545 §3.3.11). */
export function icsText(text: string): string {
  return text
    .replace(/\\/g, "\\\\")
    .replace(/;/g, "\\;")
    .replace(/,/g, "\\,")
    .replace(/\r\n|\r|\n/g, "\\n");
}

/** Folds one content line so no physical line exceeds 75 octets, never splitting a UTF-8 character. */
export function foldLine(line: string): string {
  const out: string[] = [];
  let current = "";
  let octets = 0;
  for (const ch of line) {
    const size = Buffer.byteLength(ch, "utf8");
    // Continuation lines start with a space, which counts toward their 75 octets.
    if (octets + size > 75) {
      out.push(current);
      current = " ";
      octets = 1;
    }
    current += ch;
    octets += size;
  }
  out.push(current);
  return out.join("\r\n");
}

const basicDate = (iso: string): string => iso.replace(/-/g, "");
const utcStamp = (d: Date): string =>
  d
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}/, "");

function goalTodos(plan: StudyPlan, stamp: Date, domain: string): string[] {
  return plan.goals.flatMap((g) => {
    const notes = [g.plannedEnd ? `The plan gets there by ${g.plannedEnd}.` : "", g.onTrack === false ? "Not on track for the target date." : ""].filter(Boolean).join(" ");
    return [
      "BEGIN:VTODO",
      `UID:${goalUid(plan.learner, g.id, domain)}`,
      `DTSTAMP:${utcStamp(stamp)}`,
      `SUMMARY:${icsText(`Goal: ${g.targetName}`)}`,
      ...(g.targetDate ? [`DUE;VALUE=DATE:${basicDate(g.targetDate)}`] : []),
      ...(notes ? [`DESCRIPTION:${icsText(notes)}`] : []),
      "STATUS:NEEDS-ACTION",
      "END:VTODO",
    ].map(foldLine);
  });
}

export function planIcs(plan: StudyPlan, options: IcsOptions = {}): string {
  const stamp = options.stamp === undefined ? new Date() : new Date(options.stamp);
  if (Number.isNaN(stamp.getTime())) throw new Error(`planIcs: invalid stamp ${String(options.stamp)}`);
  const domain = options.domain ?? "parallab";
  // ical-generator prepends the "-" of the PRODID itself.
  const calendar = ical({ prodId: ICS_PRODID.slice(1), name: `Study plan: ${plan.role.name}` });
  for (const item of plan.items) {
    const part = item.parts > 1 ? ` (part ${item.part}/${item.parts})` : "";
    calendar.createEvent({
      id: planItemUid(plan.learner, item.kind, item.id, item.part, domain),
      stamp,
      allDay: true,
      start: new Date(`${item.start}T00:00:00Z`),
      // DTEND of an all-day event is exclusive: the day after the week's last day.
      end: new Date(`${addDays(item.end, 1)}T00:00:00Z`),
      summary: `${item.title}${part}: ${item.hours} h`,
      description: `${item.kind} ${item.id}, week ${item.week}.${item.competencies.length > 0 ? ` Closes: ${item.competencies.join(", ")}.` : ""}`,
    });
  }
  const text = calendar.toString().replace(/\r\n$/, "");
  const end = "END:VCALENDAR";
  if (!text.endsWith(end)) throw new Error("planIcs: unexpected ical-generator output");
  const todos = goalTodos(plan, stamp, domain)
    .map((line) => `${line}\r\n`)
    .join("");
  // Every content line, the last included, ends in CRLF.
  return `${text.slice(0, -end.length)}${todos}${end}\r\n`;
}
