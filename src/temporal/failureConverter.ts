/**
 * Loaded by path (`failureConverterPath`) in the client and inside the workflow sandbox when payload
 * encryption is on: failure messages and stack traces go into an encoded payload, which the codec encrypts.
 */
import { DefaultFailureConverter } from '@temporalio/common';

export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
