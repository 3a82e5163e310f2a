"""Electronic licences (电子证照) and their seals (电子印章): identifiers, SM2 sealing and the
canonical serialisation that is signed (docs/licenses.md)."""
