/** The settings part of the Store seam: the installation's key/value facts (the token signing secret…). */

export interface SettingsStore {
  getSetting(key: string): Promise<string | undefined>;
  /** Inserts or replaces the value. */
  putSetting(key: string, value: string): Promise<void>;
  /** Inserts the value unless the key exists; returns the value that is stored afterwards. */
  putSettingIfAbsent(key: string, value: string): Promise<string>;
}
