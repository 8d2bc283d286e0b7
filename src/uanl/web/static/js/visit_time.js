// Calendar days and wall-clock times in the desk's time zone (the API's `timezone`), never
// the browser's: a browser on UTC or in Tokyo must still show and book a 09:00 Monterrey
// visit at 09:00 on its Monterrey day. Days are 'YYYY-MM-DD' strings; arithmetic on them
// goes through UTC midnights, so the browser's own daylight-saving changes play no part.

const pad = (n) => String(n).padStart(2, '0');

export const ymd = (y, m, d) => `${y}-${pad(m)}-${pad(d)}`;

/** The UTC midnight of a day (for arithmetic and for formatting with timeZone 'UTC'). */
export function dayDate(day) {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d));
}

const fromDate = (date) => ymd(date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate());

export const addDays = (day, n) => fromDate(new Date(dayDate(day).getTime() + n * 86_400_000));

/** 0 for Monday ... 6 for Sunday. */
export const weekday = (day) => (dayDate(day).getUTCDay() + 6) % 7;

export const mondayOf = (day) => addDays(day, -weekday(day));

export const firstOfMonth = (day) => `${day.slice(0, 7)}-01`;

export function addMonths(day, n) {
  const date = dayDate(firstOfMonth(day));
  date.setUTCMonth(date.getUTCMonth() + n);
  return fromDate(date);
}

export const isDay = (value) => /^\d{4}-\d{2}-\d{2}$/.test(value || '') && !Number.isNaN(dayDate(value).getTime());

const partsCache = new Map();
function partsFormat(zone) {
  if (!partsCache.has(zone)) {
    partsCache.set(
      zone,
      new Intl.DateTimeFormat('en-US', {
        timeZone: zone,
        hourCycle: 'h23',
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
      }),
    );
  }
  return partsCache.get(zone);
}

/** {day: 'YYYY-MM-DD', time: 'HH:MM', ms} of an instant on the zone's wall clock. */
export function zoned(instant, zone) {
  const p = Object.fromEntries(partsFormat(zone).formatToParts(new Date(instant)).map((x) => [x.type, x.value]));
  const hour = p.hour === '24' ? '00' : p.hour;
  const wall = Date.UTC(+p.year, +p.month - 1, +p.day, +hour, +p.minute, +p.second);
  return { day: ymd(p.year, p.month, p.day), time: `${hour}:${p.minute}`, wall };
}

/** The instant at which the zone's wall clock reads `day` `time` ('HH:MM'). */
export function toInstant(day, time, zone) {
  const [y, m, d] = day.split('-').map(Number);
  const [hh, mm] = time.split(':').map(Number);
  const wall = Date.UTC(y, m - 1, d, hh, mm);
  // The zone's offset at a first guess, then once more at the corrected instant (DST edges).
  let guess = wall - (zoned(wall, zone).wall - wall);
  guess = wall - (zoned(guess, zone).wall - guess);
  return new Date(guess);
}

export const todayIn = (zone) => zoned(Date.now(), zone).day;

/** Minutes between two 'HH:MM' clock times. */
export const minutesOf = (time) => {
  const [hh, mm] = time.split(':').map(Number);
  return hh * 60 + mm;
};

export const clock = (minutes) => `${pad(Math.floor(minutes / 60) % 24)}:${pad(minutes % 60)}`;
