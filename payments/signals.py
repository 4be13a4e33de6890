"""The one signal payments sends upward: payments never import the case flow, the flow listens."""

from django.dispatch import Signal

# Sent by payments.services.payment_authorise when the last scheduled payment of a package
# is authorised. Arguments: package, by.
package_payments_authorised = Signal()
