/**
 * The `limits` section of the config file: every key optional, validated with zod, defaults filled
 * in here (docs/limits.md). A cap or count of 0 turns that limit off.
 */
import { z } from 'zod';

const count = z.number().int().min(0);
const minutes = z
  .number()
  .int()
  .min(1)
  .max(7 * 24 * 60);

const windowCapSchema = z.object({ cap: count, windowMinutes: minutes }).strict();

export const limitsFileSchema = z
  .object({
    /** Messages per user over all models. */
    messages: windowCapSchema.partial().strict().optional(),
    /** Messages per user for one model, by our model slug. */
    models: z.record(z.string().min(1), windowCapSchema).optional(),
    /** Answers one user may have streaming at once. */
    concurrentStreams: count.optional(),
    login: z.object({ perAccount: count, perIp: count, windowMinutes: minutes }).partial().strict().optional(),
    telemetryPerIpPerMinute: count.optional(),
  })
  .strict();

/** A cap of `cap` messages per `windowMinutes` (0: no cap). */
export interface WindowCap {
  cap: number;
  windowMinutes: number;
}

export interface LimitsConfig {
  messages: WindowCap;
  models: Record<string, WindowCap>;
  concurrentStreams: number;
  /** Failed sign-ins per account email and sign-in attempts per client IP, per `windowMinutes`. */
  login: { perAccount: number; perIp: number; windowMinutes: number };
  telemetryPerIpPerMinute: number;
}

export const defaultLimits: LimitsConfig = {
  messages: { cap: 300, windowMinutes: 180 },
  models: {},
  concurrentStreams: 3,
  login: { perAccount: 10, perIp: 30, windowMinutes: 15 },
  telemetryPerIpPerMinute: 120,
};

/** Every limit off (test servers that are not about limits). */
export const noLimits: LimitsConfig = {
  messages: { cap: 0, windowMinutes: 180 },
  models: {},
  concurrentStreams: 0,
  login: { perAccount: 0, perIp: 0, windowMinutes: 15 },
  telemetryPerIpPerMinute: 0,
};

/** The config file's `limits` (possibly partial or absent) over the defaults. */
export function resolveLimits(file: z.infer<typeof limitsFileSchema> | undefined): LimitsConfig {
  return {
    messages: { ...defaultLimits.messages, ...file?.messages },
    models: file?.models ?? defaultLimits.models,
    concurrentStreams: file?.concurrentStreams ?? defaultLimits.concurrentStreams,
    login: { ...defaultLimits.login, ...file?.login },
    telemetryPerIpPerMinute: file?.telemetryPerIpPerMinute ?? defaultLimits.telemetryPerIpPerMinute,
  };
}
