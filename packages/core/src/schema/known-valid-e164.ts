// Owns: the fast acceptance of a phone number already written in E.164. It answers `true` only
// for a number that libphonenumber-js's full parse (`parsePhoneNumberWithError(text).isValid()`,
// min metadata, no default country) accepts and writes back unchanged; for anything else, or
// anything it is not sure of, it answers `false` and the caller runs the full parse. It follows
// the library's own steps for a `+<digits>` input (calling code, national prefix, country by
// leading digits or number type, validity by number type or national pattern), read through the
// library's `Metadata` accessors, with each pattern compiled once: the library builds a new
// `RegExp` from its pattern text for every test, which cost about 25 µs per US number here.
// `phone-number-fast-path.test.ts` checks that both answer the same over many numbers.
import { Metadata } from 'libphonenumber-js/core';
import metadataJson from 'libphonenumber-js/min/metadata';

/** The parts of libphonenumber-js's `NumberingPlan` the check reads (present at run time, not in its public types). */
interface NumberingPlanView {
  nationalNumberPattern(): string;
  nationalPrefixForParsing(): string | undefined;
  leadingDigits(): string | undefined;
  hasTypes(): boolean;
  type(name: NumberType): { pattern(): string; possibleLengths(): readonly number[] | undefined } | undefined;
}

/** The parts of libphonenumber-js's `Metadata` the check reads. */
interface MetadataView {
  hasCallingCode(callingCode: string): boolean;
  getCountryCodesForCallingCode(callingCode: string): readonly string[] | undefined;
  selectNumberingPlan(countryOrCallingCode: string): unknown;
  readonly numberingPlan: NumberingPlanView;
}

/** libphonenumber-js's number types, in the order its `getNumberType` tries them (fixed line first). */
const NUMBER_TYPES = ['FIXED_LINE', 'MOBILE', 'PREMIUM_RATE', 'TOLL_FREE', 'SHARED_COST', 'VOIP', 'PERSONAL_NUMBER', 'PAGER', 'UAN', 'VOICEMAIL'] as const;
type NumberType = (typeof NUMBER_TYPES)[number];

/** One numbering plan (a country's, or a calling code's main one) with its patterns compiled. */
interface Plan {
  /** `^(?:nationalNumberPattern)$`. */
  readonly nationalNumber: RegExp;
  /** `^(?:nationalPrefixForParsing)`, or `null` when the plan has none. */
  readonly nationalPrefix: RegExp | null;
  /** The plan's leading digits (tested with `search() === 0`, as the library does), or `null`. */
  readonly leadingDigits: RegExp | null;
  /** Whether the plan has number types (then validity is "has a type"). */
  readonly hasTypes: boolean;
  /** The types with a non-empty pattern, in {@link NUMBER_TYPES} order. */
  readonly types: readonly { readonly pattern: RegExp; readonly lengths: readonly number[] | undefined }[];
}

/** A calling code: its main plan, and its countries' plans when several countries share it. */
interface CallingCode {
  readonly main: Plan;
  /** The countries sharing the code, in metadata order; `undefined` when there is at most one. */
  readonly countries: readonly Plan[] | undefined;
}

const metadata = new Metadata(metadataJson) as unknown as MetadataView;
const codes = new Map<string, CallingCode | null>();

function planOf(countryOrCallingCode: string): Plan {
  metadata.selectNumberingPlan(countryOrCallingCode);
  const plan = metadata.numberingPlan;
  const prefix = plan.nationalPrefixForParsing();
  const leading = plan.leadingDigits();
  const hasTypes = plan.hasTypes();
  const types: { pattern: RegExp; lengths: readonly number[] | undefined }[] = [];
  if (hasTypes) {
    for (const name of NUMBER_TYPES) {
      const type = plan.type(name);
      const pattern = type?.pattern();
      // As the library: no length check when the type (and the plan) has no possible lengths.
      if (type !== undefined && pattern) types.push({ pattern: new RegExp(`^(?:${pattern})$`), lengths: type.possibleLengths() || undefined });
    }
  }
  return {
    nationalNumber: new RegExp(`^(?:${plan.nationalNumberPattern()})$`),
    nationalPrefix: prefix ? new RegExp(`^(?:${prefix})`) : null,
    leadingDigits: leading ? new RegExp(leading) : null,
    hasTypes,
    types,
  };
}

/** The compiled plans of `callingCode`, or `null` when the metadata has no such code (made once per code). */
function callingCode(code: string): CallingCode | null {
  let entry = codes.get(code);
  if (entry === undefined) {
    try {
      const countries = metadata.hasCallingCode(code) ? metadata.getCountryCodesForCallingCode(code) : null;
      entry = countries === null ? null : { main: planOf(code), countries: countries !== undefined && countries.length > 1 ? countries.map(planOf) : undefined };
    } catch {
      // Metadata the library itself cannot read for this code: leave every such number to the full parse.
      entry = null;
    }
    codes.set(code, entry);
  }
  return entry;
}

/** libphonenumber-js's `getNumberType(...) !== undefined`: the national pattern, then any type. */
function hasNumberType(plan: Plan, nationalNumber: string): boolean {
  if (!plan.nationalNumber.test(nationalNumber)) return false;
  for (const type of plan.types) {
    if (type.lengths !== undefined && !type.lengths.includes(nationalNumber.length)) continue;
    if (type.pattern.test(nationalNumber)) return true;
  }
  return false;
}

/** `+`, then a first digit that is not 0, then 1 to 14 digits. */
const E164 = /^\+[1-9]\d{1,14}$/;

/**
 * True when `value` is a valid number already in E.164 that libphonenumber-js's full parse would
 * accept and return unchanged. `false` means "not known": the full parse decides.
 */
export function isKnownValidE164(value: string): boolean {
  if (!E164.test(value)) return false;
  // The library's viability check wants at least 3 digits: shorter ones go to the full parse.
  if (value.length < 4) return false;
  // The calling code: the first 1 to 3 digits the metadata knows (calling codes are prefix-free).
  let code: CallingCode | null = null;
  let nationalNumber = '';
  for (let length = 1; length <= 3 && code === null; length++) {
    code = callingCode(value.slice(1, 1 + length));
    nationalNumber = value.slice(1 + length);
  }
  if (code === null || nationalNumber.length < 2) return false;
  // A national prefix that the library might strip (e.g. `+44 0…`): the full parse decides.
  if (code.main.nationalPrefix?.test(nationalNumber)) return false;
  // The country: the only one, else the first whose leading digits or number types fit.
  let plan: Plan = code.main;
  if (code.countries !== undefined) {
    const country = code.countries.find((candidate) =>
      candidate.leadingDigits !== null ? nationalNumber.search(candidate.leadingDigits) === 0 : hasNumberType(candidate, nationalNumber),
    );
    if (country !== undefined) plan = country;
  }
  return plan.hasTypes ? hasNumberType(plan, nationalNumber) : plan.nationalNumber.test(nationalNumber);
}
