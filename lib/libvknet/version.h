/*
 * The release of vknet, once for both programs: what "vknetd -s" shows
 * and what a package is named after (debian/changelog says the same).
 */
#ifndef VKNET_VERSION_H
#define VKNET_VERSION_H

#define VKNET_VERSION	"0.1"

#endif
