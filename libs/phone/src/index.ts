export { PhoneNormalizer, type PhoneReason, type PhoneResult, type PhoneRules } from './phone';
export { headerKey, isPhoneHeader } from './headers';
