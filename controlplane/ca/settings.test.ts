import { describe, expect, it } from "vitest";
import { caSettings } from "./settings";

describe("caSettings", () => {
  it("applies each default when nothing is set", () => {
    expect(caSettings({})).toEqual({
      wrappingSecret: undefined,
      jwtRotationSeconds: 86_400,
      jwtMaxTtlSeconds: 3_600,
      x509TtlSeconds: 86_400,
      expiryWarningDays: 30,
      bundleRefreshSeconds: 60,
      skewMs: 30_000,
    });
  });

  it("reads set variables, the clock skew in milliseconds", () => {
    const settings = caSettings({
      ISTHMUS_CA_WRAPPING_KEY: "s3cret",
      ISTHMUS_JWT_KEY_ROTATION_SECONDS: "600",
      ISTHMUS_JWT_MAX_TTL_SECONDS: "120",
      ISTHMUS_X509_TTL_SECONDS: "3600",
      ISTHMUS_CA_EXPIRY_WARNING_DAYS: "7",
      ISTHMUS_BUNDLE_REFRESH_SECONDS: "15",
      ISTHMUS_CLOCK_SKEW_SECONDS: "2.5",
    });
    expect(settings).toEqual({ wrappingSecret: "s3cret", jwtRotationSeconds: 600, jwtMaxTtlSeconds: 120, x509TtlSeconds: 3600, expiryWarningDays: 7, bundleRefreshSeconds: 15, skewMs: 2500 });
  });

  it("falls back to the default for a value that is not a positive number, and treats an empty secret as none", () => {
    const settings = caSettings({ ISTHMUS_CA_WRAPPING_KEY: "", ISTHMUS_JWT_MAX_TTL_SECONDS: "0", ISTHMUS_X509_TTL_SECONDS: "-5", ISTHMUS_CLOCK_SKEW_SECONDS: "soon", ISTHMUS_BUNDLE_REFRESH_SECONDS: "Infinity" });
    expect(settings.wrappingSecret).toBeUndefined();
    expect(settings.jwtMaxTtlSeconds).toBe(3_600);
    expect(settings.x509TtlSeconds).toBe(86_400);
    expect(settings.skewMs).toBe(30_000);
    expect(settings.bundleRefreshSeconds).toBe(60);
  });
});
