#!/bin/sh
# A lenient vendor validator, not edoc: anything well-formed passes, and "verify" only looks
# for a Signature element.
#   lenient.sh validate FILE
#   lenient.sh verify FILE
set -u
xmllint --noout --nonet "$2" 2>/dev/null || { echo "not XML"; exit 2; }
if [ "$1" = verify ]; then
  n=$(xmllint --nonet --xpath "count(//*[local-name()='Signature'])" "$2" 2>/dev/null)
  [ "${n:-0}" -gt 0 ] || { echo "no signature"; exit 2; }
fi
echo "accepted"
