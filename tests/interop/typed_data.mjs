// ethers' TypedDataEncoder, as a third party would use it: reads [{typed_data, signature}, ...] as JSON on stdin,
// writes [{domain_separator, struct_hash, digest, signer}, ...] on stdout.
import { TypedDataEncoder, verifyTypedData } from "ethers";

let input = "";
for await (const chunk of process.stdin) input += chunk;
const answers = JSON.parse(input).map(({ typed_data: typed, signature }) => {
  const types = { ...typed.types };
  delete types.EIP712Domain;
  return {
    domain_separator: TypedDataEncoder.hashDomain(typed.domain),
    struct_hash: TypedDataEncoder.hashStruct(typed.primaryType, types, typed.message),
    digest: TypedDataEncoder.hash(typed.domain, types, typed.message),
    signer: verifyTypedData(typed.domain, types, typed.message, signature),
  };
});
process.stdout.write(JSON.stringify(answers));
