export { SipCarrier, createSipCarrier, type SipCarrierConfig, type SipCallStats } from './sip-carrier';
export { mapFinalResponse, q850Cause } from './outcome';
