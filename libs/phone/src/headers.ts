/**
 * Header cells that name the phone column of an uploaded sheet (a roster, a do-not-call import),
 * compared after lower-casing and turning . _ - : into spaces.
 */
const PHONE_HEADERS = [
  'phone number', 'phone', 'phone no', 'phone num', 'telephone', 'telephone number', 'tel', 'mobile', 'mobile number', 'mobile phone',
  'cell', 'cellphone', 'cell phone', 'msisdn', 'contact number', 'whatsapp', 'wa', 'nomor', 'nomor hp', 'nomor telepon', 'nomor telp',
  'nomor handphone', 'nomor ponsel', 'nomor wa', 'nomor whatsapp', 'no hp', 'nohp', 'no handphone', 'no ponsel', 'no telp', 'no telepon',
  'no tlp', 'no wa', 'telepon', 'telp', 'tlp', 'handphone', 'hp', 'ponsel',
];

export const headerKey = (h: string) => h.toLowerCase().replace(/[._\-:]+/g, ' ').replace(/\s+/g, ' ').trim();
const PHONE_KEYS = new Set(PHONE_HEADERS);

/** Whether a header cell names the phone column (`Phone Number`, `Phone`, `Nomor`, `No HP`…). */
export const isPhoneHeader = (text: string) => PHONE_KEYS.has(headerKey(text));
