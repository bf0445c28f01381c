#!/bin/sh
# A vendor's validator made of two stock tools, not edoc: xmllint checks the XML and the
# XML Schema, xmlsec1 checks the signature. It prints its own error codes (E-XML, E-SCHEMA,
# E-SIG), which rule-map.toml maps to the suite's rules.
#   xmllint_xmlsec.sh validate FILE
#   xmllint_xmlsec.sh verify FILE CA
set -u
mode=$1
file=$2
# The XML Schemas edoc publishes (or set EDOC_SCHEMAS to a folder holding your own): in
# the installed package, or in schemas/ of a checkout.
schemas=${EDOC_SCHEMAS:-}
if [ -z "$schemas" ]; then
  pkg=$(python3 -c "import importlib.util as u, os; print(os.path.dirname(u.find_spec('edoc').origin))")
  for d in "$pkg/schemas" "$pkg/../../schemas"; do
    if [ -f "$d/edoc-interop.xsd" ]; then schemas=$d; break; fi
  done
fi
if ! out=$(xmllint --noout --nonet "$file" 2>&1); then
  echo "E-XML not well-formed XML: $(echo "$out" | head -n 1)"
  exit 1
fi
if xmllint --nonet --xpath "//*[local-name()='StatusCode']" "$file" >/dev/null 2>&1; then
  schema=$schemas/status-interop.xsd
else
  schema=$schemas/edoc-interop.xsd
fi
if ! out=$(xmllint --noout --nonet --schema "$schema" "$file" 2>&1); then
  echo "E-SCHEMA $(echo "$out" | head -n 1)"
  exit 1
fi
if [ "$mode" = verify ]; then
  if ! out=$(xmlsec1 --verify --trusted-pem "$3" --id-attr:Id edXMLEnvelope "$file" 2>&1); then
    echo "E-SIG $(echo "$out" | grep -m 1 -i error)"
    exit 1
  fi
fi
echo "OK"
