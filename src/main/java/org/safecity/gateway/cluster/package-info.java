/**
 * Scale-out: the Hazelcast configuration of the clustered event bus (built in code from the typed settings: TCP
 * member list, no multicast) and this node's view of the cluster's members, their names and roles.
 */
package org.safecity.gateway.cluster;
